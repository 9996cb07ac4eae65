//! READ BINARY (`00 B0`) and READ RECORD (`00 B2`) (card-protocol.md §2.1,
//! §2.3, §1.4).

use super::dispatch::{Outcome, Session};
use crate::apdu::{Le, StatusWord};
use crate::profile::FileContent;

fn capped(le: Le) -> usize {
    usize::try_from(le.effective()).unwrap_or(usize::MAX)
}

impl Session<'_> {
    /// Returns `min(Le, remaining)` bytes from `offset` with `9000`
    /// (JICSAP 6.4.1(4)); at or after the end of the file
    /// `quirks.read_past_end_sw` (`6B00` by default, §2.3). Protected EF
    /// `6982` (§1.1, OpenSC #3169); record EF or key EF `6981`; no current
    /// EF `6986`.
    pub(crate) fn read_binary(&mut self, sfi: Option<u8>, offset: u16, le: Le) -> Outcome {
        let file = self.resolve_data_file(sfi)?;
        self.check_access(&file.read)?;
        let FileContent::Transparent(content) = &file.content else {
            return Err(StatusWord::INCOMPATIBLE_FILE_STRUCTURE);
        };
        let start = usize::from(offset);
        let remaining = match content.get(start..) {
            Some(rest) if !rest.is_empty() => rest,
            _ => return Err(StatusWord(self.profile.quirks.read_past_end_sw)),
        };
        let take = remaining.len().min(capped(le));
        Ok(remaining.get(..take).unwrap_or(remaining).to_vec())
    }

    /// Record `record` (1-based) of the current EF or the EF named by SFI,
    /// truncated to Le; `6A83` for a record that does not exist, `6981` on a
    /// transparent EF.
    pub(crate) fn read_record(&mut self, record: u8, sfi: Option<u8>, le: Le) -> Outcome {
        let file = self.resolve_data_file(sfi)?;
        self.check_access(&file.read)?;
        let FileContent::Records(records) = &file.content else {
            return Err(StatusWord::INCOMPATIBLE_FILE_STRUCTURE);
        };
        let index = usize::from(record)
            .checked_sub(1)
            .ok_or(StatusWord::RECORD_NOT_FOUND)?;
        let bytes = records.get(index).ok_or(StatusWord::RECORD_NOT_FOUND)?;
        let take = bytes.len().min(capped(le));
        Ok(bytes.get(..take).unwrap_or(bytes).to_vec())
    }
}
