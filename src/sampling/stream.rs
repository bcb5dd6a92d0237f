//! Seeded random numbers that stay the same across versions: ChaCha20 keyed by the
//! SHA-256 of the seed and a stream's name, so each district, community or interviewer
//! has its own stream and adding one never shifts another's draw.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

pub struct Stream(ChaCha20Rng);

impl Stream {
    /// The stream `name` of `seed` (e.g. `communities/XC`).
    pub fn new(seed: u64, name: &str) -> Stream {
        let key: [u8; 32] = Sha256::digest(format!("minyi-sample:{seed}:{name}")).into();
        Stream(ChaCha20Rng::from_seed(key))
    }

    /// A number in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A whole number in 0..n (n > 0), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.0.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}
