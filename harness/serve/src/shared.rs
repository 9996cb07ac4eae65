//! Shared server state behind a lock that a panicking handler cannot poison.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// State shared by every request of a server. [`Shared::lock`] never fails:
/// a handler that panicked while holding the lock leaves the state as it
/// was at the panic (handlers validate before they mutate, so that is a
/// whole state), and the next request goes on with it instead of every
/// later request answering 500.
#[derive(Debug, Default)]
pub struct Shared<T> {
    inner: Mutex<T>,
}

impl<T> Shared<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Shared {
            inner: Mutex::new(value),
        }
    }

    /// Locks the state, recovering it if an earlier holder panicked.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        self.inner.clear_poison();
        guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_panic_while_locked_does_not_poison() {
        let shared = Arc::new(Shared::new(1));
        let held = Arc::clone(&shared);
        let joined = std::thread::spawn(move || {
            let mut guard = held.lock();
            *guard = 2;
            panic!("handler bug");
        })
        .join();
        assert!(joined.is_err());
        assert_eq!(*shared.lock(), 2);
        *shared.lock() = 3;
        assert_eq!(*shared.lock(), 3);
    }
}
