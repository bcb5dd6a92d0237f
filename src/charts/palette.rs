//! Okabe–Ito colours: distinguishable with colour-blindness, and of different lightness
//! so bars stay apart when printed in greyscale.

pub type Rgb = (u8, u8, u8);
pub const BLUE: Rgb = (0x00, 0x72, 0xB2);
pub const SKY: Rgb = (0x56, 0xB4, 0xE9);
pub const ORANGE: Rgb = (0xE6, 0x9F, 0x00);
pub const VERMILLION: Rgb = (0xD5, 0x5E, 0x00);
pub const GREEN: Rgb = (0x00, 0x9E, 0x73);
pub const PURPLE: Rgb = (0xCC, 0x79, 0xA7);
pub const YELLOW: Rgb = (0xF0, 0xE4, 0x42);
pub const GREY: Rgb = (0xBB, 0xBB, 0xBB);
pub const INK: Rgb = (0x1A, 0x1A, 0x1A);
pub const MUTED: Rgb = (0x55, 0x55, 0x55);
pub const RULE: Rgb = (0xDD, 0xDD, 0xDD);
pub const WHITE: Rgb = (0xFF, 0xFF, 0xFF);
/// Series colours in order.
pub const SERIES: [Rgb; 7] = [BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW];
