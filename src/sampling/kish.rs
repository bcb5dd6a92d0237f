//! Kish's selection tables (Kish 1949, "A procedure for objective respondent selection
//! within the household"): each household's questionnaire carries one of eight tables,
//! A to F in the proportions 1/6, 1/12, 1/12, 1/6, 1/6, 1/12, 1/12, 1/6; the
//! interviewer lists the household's adults — men from the oldest to the youngest, then
//! women from the oldest to the youngest — and interviews the adult whose number the
//! table gives for that many adults (six and more read the last column). The tables
//! give every adult the same chance in households of one to four and of six adults;
//! for five, and beyond six, the chance of the adult chosen is what the tables give,
//! and that is what the design weight uses.

/// A selection table's name.
pub const NAMES: [&str; 8] = ["A", "B1", "B2", "C", "D", "E1", "E2", "F"];

/// Each table's share of households (twelfths).
pub const TWELFTHS: [u32; 8] = [2, 1, 1, 2, 2, 1, 1, 2];

/// The adult to interview (1-based) by table and adults 1, 2, 3, 4, 5, 6+.
pub const GRID: [[u32; 6]; 8] = [
    [1, 1, 1, 1, 1, 1], // A
    [1, 1, 1, 1, 2, 2], // B1
    [1, 1, 1, 2, 2, 2], // B2
    [1, 1, 2, 2, 3, 3], // C
    [1, 2, 2, 3, 4, 4], // D
    [1, 2, 3, 3, 3, 5], // E1
    [1, 2, 3, 4, 5, 5], // E2
    [1, 2, 3, 4, 5, 6], // F
];

/// The tables in the order questionnaires carry them, twelve at a time, so that any
/// twelve consecutive households hold each table in its share.
const ORDER: [usize; 12] = [0, 1, 3, 4, 5, 7, 0, 2, 3, 4, 6, 7];

/// The table (an index into [`NAMES`]) of the household with this serial (1-based).
pub fn table_for(serial: u32) -> usize {
    ORDER[(serial.max(1) as usize - 1) % ORDER.len()]
}

/// The table by name.
pub fn table_named(name: &str) -> Option<usize> {
    NAMES.iter().position(|n| *n == name)
}

/// The adult (1-based) table `t` selects among `adults` (at least 1).
pub fn select(t: usize, adults: u32) -> u32 {
    GRID[t][(adults.clamp(1, 6) - 1) as usize]
}

/// The chance that the adult in position `person` (1-based) of `adults` is selected,
/// over the eight tables in their shares.
pub fn probability(adults: u32, person: u32) -> f64 {
    let col = (adults.clamp(1, 6) - 1) as usize;
    (0..NAMES.len())
        .filter(|&t| GRID[t][col] == person)
        .map(|t| TWELFTHS[t] as f64 / 12.0)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kish's published grid, read back column by column.
    #[test]
    fn the_tables_are_kishs() {
        let col = |a: u32| -> Vec<u32> { (0..8).map(|t| select(t, a)).collect() };
        assert_eq!(col(1), [1, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(col(2), [1, 1, 1, 1, 2, 2, 2, 2]);
        assert_eq!(col(3), [1, 1, 1, 2, 2, 3, 3, 3]);
        assert_eq!(col(4), [1, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(col(5), [1, 2, 2, 3, 4, 3, 5, 5]);
        assert_eq!(col(6), [1, 2, 2, 3, 4, 5, 5, 6]);
        assert_eq!(col(9), col(6), "six and more read the last column");
        assert_eq!(TWELFTHS.iter().sum::<u32>(), 12);
    }

    #[test]
    fn equal_chances_where_kish_gives_them() {
        for adults in [1, 2, 3, 4, 6] {
            for person in 1..=adults {
                assert!((probability(adults, person) - 1.0 / adults as f64).abs() < 1e-12);
            }
        }
        // Five adults: 1/6, 1/6, 1/4, 1/6, 1/4.
        let five: Vec<f64> = (1..=5).map(|p| probability(5, p)).collect();
        for (p, w) in five.iter().zip([2.0, 2.0, 3.0, 2.0, 3.0]) {
            assert!((p - w / 12.0).abs() < 1e-12);
        }
        assert_eq!(
            probability(8, 7),
            0.0,
            "beyond six, the seventh is never chosen"
        );
    }

    #[test]
    fn twelve_households_in_a_row_hold_each_table_in_its_share() {
        for first in 1..30 {
            let mut count = [0u32; 8];
            for s in first..first + 12 {
                count[table_for(s)] += 1;
            }
            assert_eq!(count, TWELFTHS);
        }
    }
}
