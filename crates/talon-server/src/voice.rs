//! The voice of the hall: an announcement's text turned into audio by a local text-to-speech
//! program (espeak-ng by default), so calls are spoken without internet access. Results are
//! cached, because the same few numbers and counters repeat all day. Without the program the
//! server says so, and displays fall back to the browser's own speech synthesis. At most two
//! renderings run at once; one that cannot start within two seconds is refused (`tts_busy`), so
//! requests for new texts cannot pile up processes.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use talon_core::Language;
use tokio::process::Command;
use tokio::sync::Semaphore;

/// Rendered announcements kept in memory; the cache starts over when full.
const CACHE_ENTRIES: usize = 512;
/// The longest a rendering may take.
const RENDER_TIMEOUT: Duration = Duration::from_secs(10);
/// Renderings run at once: each is a process of its own, and two keep both cores busy.
const AT_ONCE: usize = 2;
/// How long a rendering waits for its turn before the caller is told to speak the text itself.
const QUEUE_WAIT: Duration = Duration::from_secs(2);

pub struct Voice {
    command: String,
    cache: Mutex<HashMap<(Language, String), Bytes>>,
    running: Semaphore,
}

#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("the text-to-speech program cannot be run: {0}")]
    Unavailable(String),
    #[error("the text-to-speech program failed: {0}")]
    Failed(String),
    #[error("the text-to-speech program is busy with other announcements")]
    Busy,
}

impl Voice {
    /// A voice that runs `command` (a program taking espeak-ng's options).
    pub fn new(command: String) -> Voice {
        Voice {
            command,
            cache: Mutex::new(HashMap::new()),
            running: Semaphore::new(AT_ONCE),
        }
    }

    /// The announcement as a WAV file.
    pub async fn wav(&self, language: Language, text: &str) -> Result<Bytes, VoiceError> {
        let key = (language, text.to_string());
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(hit);
        }
        let _turn = tokio::time::timeout(QUEUE_WAIT, self.running.acquire())
            .await
            .map_err(|_| VoiceError::Busy)?
            .map_err(|_| VoiceError::Busy)?;
        let run = Command::new(&self.command)
            .args(["-v", language.code(), "-s", "150", "--stdout", "--", text])
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(RENDER_TIMEOUT, run)
            .await
            .map_err(|_| VoiceError::Failed("took too long".into()))?
            .map_err(|e| VoiceError::Unavailable(e.to_string()))?;
        let is_wav = output.stdout.len() > 44
            && output.stdout.starts_with(b"RIFF")
            && &output.stdout[8..12] == b"WAVE";
        if !output.status.success() || !is_wav {
            return Err(VoiceError::Failed(
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ));
        }
        let mut wav = output.stdout;
        fix_sizes(&mut wav);
        let audio = Bytes::from(wav);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(key, audio.clone());
        }
        Ok(audio)
    }
}

/// Writes the real sizes into a WAV's RIFF and `data` headers. A program that streams to stdout
/// cannot know them in advance and leaves placeholders, which strict players refuse.
fn fix_sizes(wav: &mut [u8]) {
    let riff = u32::try_from(wav.len() - 8).unwrap_or(u32::MAX);
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    let mut at = 12;
    while at + 8 <= wav.len() {
        let declared = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]);
        if &wav[at..at + 4] == b"data" {
            let size = u32::try_from(wav.len() - at - 8).unwrap_or(u32::MAX);
            wav[at + 4..at + 8].copy_from_slice(&size.to_le_bytes());
            return;
        }
        at += 8 + declared as usize + (declared as usize % 2);
    }
}

#[cfg(test)]
mod tests {
    use super::fix_sizes;

    #[test]
    fn placeholder_sizes_become_the_real_ones() {
        let mut wav =
            b"RIFF\xff\xff\xff\x7fWAVEfmt \x04\x00\x00\x00abcddata\xff\xff\xff\x7f123456".to_vec();
        fix_sizes(&mut wav);
        assert_eq!(
            u32::from_le_bytes(wav[4..8].try_into().unwrap()) as usize,
            wav.len() - 8
        );
        assert_eq!(&wav[24..28], b"data");
        assert_eq!(u32::from_le_bytes(wav[28..32].try_into().unwrap()), 6);
    }
}
