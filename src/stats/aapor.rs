//! Response, cooperation, refusal and contact rates as the AAPOR Standard Definitions
//! give them (RR1–RR6, COOP1–4, REF1–3, CON1–3), from the final disposition of every
//! case: I complete, P partial, R refusal, NC non-contact, O other non-response,
//! U unknown eligibility (UH and UO together), NE not eligible (left out of every
//! denominator). `e`, the estimated eligible share of the unknown cases, is by default
//! the eligible share among the cases whose eligibility is known.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Dispositions {
    pub complete: u64,
    pub partial: u64,
    pub refusal: u64,
    pub non_contact: u64,
    pub other: u64,
    pub unknown: u64,
    pub not_eligible: u64,
}

impl Dispositions {
    pub fn add(&mut self, o: &Dispositions) {
        self.complete += o.complete;
        self.partial += o.partial;
        self.refusal += o.refusal;
        self.non_contact += o.non_contact;
        self.other += o.other;
        self.unknown += o.unknown;
        self.not_eligible += o.not_eligible;
    }
    pub fn cases(&self) -> u64 {
        self.complete
            + self.partial
            + self.refusal
            + self.non_contact
            + self.other
            + self.unknown
            + self.not_eligible
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rates {
    /// The `e` used (given, or estimated from the known cases).
    pub e: f64,
    pub rr: [f64; 6],
    pub coop: [f64; 4],
    #[serde(rename = "ref")]
    pub refusal: [f64; 3],
    pub con: [f64; 3],
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// The rates of a set of cases; `e` from the definition, else estimated.
pub fn rates(d: &Dispositions, e: Option<f64>) -> Rates {
    let f = |x: u64| x as f64;
    let (i, p, r, nc, o, u, ne) = (
        f(d.complete),
        f(d.partial),
        f(d.refusal),
        f(d.non_contact),
        f(d.other),
        f(d.unknown),
        f(d.not_eligible),
    );
    let eligible = i + p + r + nc + o;
    let e = e.unwrap_or_else(|| {
        let known = eligible + ne;
        if known > 0.0 {
            eligible / known
        } else {
            1.0
        }
    });
    let all = (i + p) + (r + nc + o) + u;
    let est = (i + p) + (r + nc + o) + e * u;
    let known = (i + p) + (r + nc + o);
    let contacted = (i + p) + r + o;
    Rates {
        e,
        rr: [
            ratio(i, all),
            ratio(i + p, all),
            ratio(i, est),
            ratio(i + p, est),
            ratio(i, known),
            ratio(i + p, known),
        ],
        coop: [
            ratio(i, (i + p) + r + o),
            ratio(i + p, (i + p) + r + o),
            ratio(i, (i + p) + r),
            ratio(i + p, (i + p) + r),
        ],
        refusal: [ratio(r, all), ratio(r, est), ratio(r, known)],
        con: [
            ratio(contacted, contacted + nc + u),
            ratio(contacted, contacted + nc + e * u),
            ratio(contacted, contacted + nc),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand: I = 40, P = 10, R = 20, NC = 15, O = 5, U = 20, NE = 10.
    /// Eligible known 90, known 100, so e = 0.9.
    /// All = 50 + 40 + 20 = 110; with e: 50 + 40 + 18 = 108; known eligible 90.
    /// RR1 40/110, RR2 50/110, RR3 40/108, RR4 50/108, RR5 40/90, RR6 50/90;
    /// COOP1 40/75, COOP2 50/75, COOP3 40/70, COOP4 50/70;
    /// REF1 20/110, REF2 20/108, REF3 20/90;
    /// contacted = 50 + 20 + 5 = 75: CON1 75/110, CON2 75/108, CON3 75/90.
    #[test]
    fn aapor_rates_worked_by_hand() {
        let d = Dispositions {
            complete: 40,
            partial: 10,
            refusal: 20,
            non_contact: 15,
            other: 5,
            unknown: 20,
            not_eligible: 10,
        };
        let r = rates(&d, None);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(r.e, 0.9));
        let rr = [
            40.0 / 110.0,
            50.0 / 110.0,
            40.0 / 108.0,
            50.0 / 108.0,
            40.0 / 90.0,
            50.0 / 90.0,
        ];
        for k in 0..6 {
            assert!(close(r.rr[k], rr[k]), "RR{}", k + 1);
        }
        let coop = [40.0 / 75.0, 50.0 / 75.0, 40.0 / 70.0, 50.0 / 70.0];
        for k in 0..4 {
            assert!(close(r.coop[k], coop[k]), "COOP{}", k + 1);
        }
        let refs = [20.0 / 110.0, 20.0 / 108.0, 20.0 / 90.0];
        let con = [75.0 / 110.0, 75.0 / 108.0, 75.0 / 90.0];
        for k in 0..3 {
            assert!(close(r.refusal[k], refs[k]), "REF{}", k + 1);
            assert!(close(r.con[k], con[k]), "CON{}", k + 1);
        }
        // e set in the definition.
        let r = rates(&d, Some(0.5));
        assert!(close(r.rr[2], 40.0 / 100.0));
        // No cases: no rates, not zeros.
        assert!(rates(&Dispositions::default(), None).rr[0].is_nan());
    }
}
