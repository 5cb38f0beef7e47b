//! Arm indices of a numpy fixed-width unicode column (`dtype "<U{w}"`): the name lookup of
//! `update_batch` when arms come as strings.
//!
//! numpy stores each row as `w` UCS-4 code points, NUL-padded (a stored string never ends in
//! NUL). Every arm name is padded the same way once, so a row matches an arm exactly when its
//! `w` code points equal the arm's padded key: one hash of the raw row and one comparison, with
//! no decoding or trimming per row.

use ki3_core::Ki3Error;
use rayon::prelude::*;

/// An open-addressing table from padded arm names to arm indices.
pub struct PaddedNames {
    width: usize,
    /// Arm `a`'s padded key at `keys[a * width..(a + 1) * width]`.
    keys: Vec<u32>,
    /// Arm index per slot (`EMPTY` when free); the length is a power of two.
    slots: Vec<u32>,
    shift: u32,
}

const EMPTY: u32 = u32::MAX;

/// Multiply-rotate hash of a row, two code points per step.
#[inline]
fn hash(row: &[u32]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = row.len() as u64;
    let mut pairs = row.chunks_exact(2);
    for p in &mut pairs {
        h = (h.rotate_left(5) ^ (u64::from(p[0]) | (u64::from(p[1]) << 32))).wrapping_mul(K);
    }
    if let [last] = pairs.remainder() {
        h = (h.rotate_left(5) ^ u64::from(*last)).wrapping_mul(K);
    }
    h
}

impl PaddedNames {
    /// The table of `names` (unique) for rows of `width` code points. Names that cannot be a
    /// row (longer than `width`, or ending in NUL) are left out: they never match.
    pub fn new(names: &[String], width: usize) -> Self {
        let n_slots = (2 * names.len()).next_power_of_two().max(2);
        let mut table = PaddedNames {
            width,
            keys: vec![0; names.len() * width],
            slots: vec![EMPTY; n_slots],
            shift: 64 - n_slots.trailing_zeros(),
        };
        for (arm, name) in names.iter().enumerate() {
            let points: Vec<u32> = name.chars().map(u32::from).collect();
            if points.len() > width || points.last() == Some(&0) {
                continue;
            }
            table.keys[arm * width..arm * width + points.len()].copy_from_slice(&points);
            let mut slot = table.slot_of(&table.keys[arm * width..(arm + 1) * width]);
            while table.slots[slot] != EMPTY {
                slot = (slot + 1) & (n_slots - 1);
            }
            // Arm counts are bounded far below u32::MAX by the core.
            table.slots[slot] = arm as u32;
        }
        table
    }

    #[inline]
    fn slot_of(&self, row: &[u32]) -> usize {
        // The high bits of the multiplicative hash are the well-mixed ones.
        if self.width == 0 {
            0
        } else {
            (hash(row) >> self.shift) as usize
        }
    }

    /// The arm index of a row of `width` code points.
    #[inline]
    pub fn get(&self, row: &[u32]) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut slot = self.slot_of(row);
        loop {
            let arm = self.slots[slot];
            if arm == EMPTY {
                return None;
            }
            let a = arm as usize;
            let key = &self.keys[a * self.width..(a + 1) * self.width];
            // An inlined comparison: rows are short, a memcmp call costs more than it.
            if key.iter().zip(row).all(|(k, r)| k == r) {
                return Some(arm);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Arm indices of the rows of `chars` (`rows × width`, row-major); an unknown name is an
    /// error naming its (first) row. Large columns are looked up in parallel blocks.
    pub fn indices(&self, chars: &[u32]) -> Result<Vec<u32>, Ki3Error> {
        const BLOCK_ROWS: usize = 1 << 17;
        if self.width == 0 {
            // Every row is the empty string, which is never an arm name.
            return if chars.is_empty() {
                Ok(Vec::new())
            } else {
                Err(unknown(0, &[]))
            };
        }
        let rows = chars.len() / self.width;
        let mut out = vec![0u32; rows];
        if rows < 2 * BLOCK_ROWS {
            return self.fill(chars, &mut out, 0).map(|()| out);
        }
        // Blocks report their first bad row; the first block's error is the first overall.
        let results: Vec<Result<(), Ki3Error>> = chars
            .par_chunks(BLOCK_ROWS * self.width)
            .zip(out.par_chunks_mut(BLOCK_ROWS))
            .enumerate()
            .map(|(b, (block, codes))| self.fill(block, codes, b * BLOCK_ROWS))
            .collect();
        results.into_iter().collect::<Result<(), _>>().map(|()| out)
    }

    /// Writes the arm index of each row of `chars` to `out`; `first_row` numbers the rows in
    /// errors.
    fn fill(&self, chars: &[u32], out: &mut [u32], first_row: usize) -> Result<(), Ki3Error> {
        for (i, (row, code)) in chars.chunks_exact(self.width).zip(out).enumerate() {
            *code = self.get(row).ok_or_else(|| unknown(first_row + i, row))?;
        }
        Ok(())
    }
}

fn unknown(row: usize, points: &[u32]) -> Ki3Error {
    let end = points.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
    let name: String = points[..end]
        .iter()
        .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Ki3Error::InvalidValue {
        arg: "arms".into(),
        index: row,
        reason: format!("unknown arm {name:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(names: &[&str], width: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for n in names {
            let mut p: Vec<u32> = n.chars().map(u32::from).collect();
            p.resize(width, 0);
            out.extend(p);
        }
        out
    }

    #[test]
    fn padded_rows_find_their_arms_and_unknown_rows_are_named() {
        let names: Vec<String> = ["a", "ab", "café", "🙂", "a\0", "a\0b", "toolongname"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let table = PaddedNames::new(&names, 4);
        let got = table
            .indices(&rows(&["ab", "a", "café", "🙂", "a\0b", "a"], 4))
            .unwrap();
        assert_eq!(got, vec![1, 0, 2, 3, 5, 0]);
        let err = table.indices(&rows(&["a", "b"], 4)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "arms: invalid value at row 1: unknown arm \"b\""
        );
        // Many arms: every one is found (probing past collisions).
        let many: Vec<String> = (0..5000).map(|i| format!("arm{i}")).collect();
        let table = PaddedNames::new(&many, 7);
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let got = table.indices(&rows(&refs[..], 7)).unwrap();
        assert!(got.iter().enumerate().all(|(i, &a)| a as usize == i));
        assert!(PaddedNames::new(&many, 0).indices(&[]).unwrap().is_empty());
        // A column long enough for parallel blocks: same codes, and the first bad row named.
        let picks: Vec<&str> = (0..300_000).map(|i| refs[(i * 7919) % 5000]).collect();
        let got = table.indices(&rows(&picks, 7)).unwrap();
        assert!(got.iter().zip(&picks).all(|(&a, n)| many[a as usize] == *n));
        let mut bad = picks.clone();
        bad[299_999] = "nope";
        bad[150_001] = "nix";
        let err = table.indices(&rows(&bad, 7)).unwrap_err().to_string();
        assert!(
            err.contains("row 150001") && err.contains("\"nix\""),
            "{err}"
        );
    }
}
