//! Lock poisoning, written once: a panic in another holder of a lock leaves
//! the data it guards structurally valid in jcsim (every update is a whole
//! assignment or insertion), so a poisoned lock is taken as it is rather
//! than propagating the panic to every later request.

use std::sync::PoisonError;

/// `lock()`, `read()` and `write()` past poisoning: `m.lock().recover()`.
pub(crate) trait Recover<T> {
    fn recover(self) -> T;
}

impl<T> Recover<T> for Result<T, PoisonError<T>> {
    fn recover(self) -> T {
        self.unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::Recover;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_poisoned_lock_is_taken_as_it_is() {
        let m = Arc::new(Mutex::new(1));
        let held = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = held.lock().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(m.lock().is_err(), "poisoned");
        *m.lock().recover() += 1;
        assert_eq!(*m.lock().recover(), 2);
    }
}
