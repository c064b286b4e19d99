//! Places in a session's transcript.

/// Numbers the items of a session's transcript in the order the SDK showed them.
#[derive(Debug, Default)]
pub struct Positions(u32);

impl Positions {
    /// The next place.
    pub fn next_place(&mut self) -> u32 {
        let p = self.0;
        self.0 = self.0.saturating_add(1);
        p
    }
}
