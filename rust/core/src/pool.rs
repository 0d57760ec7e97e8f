//! The thread pools the parallel work runs in, one set per process.
//!
//! Threads do not survive `fork(2)`: a child forked from a process whose pools were running
//! inherits their queues but none of their threads, so work put on them would wait forever
//! (rayon's global pool included). A [`ForkSafePool`] remembers the process that built it; in
//! another process (a forked child: Python's `multiprocessing` with the `fork` start method,
//! `os.fork`) the first use builds a pool of that process's own. The parent's copy is left
//! alone (its threads are not there to join) and stays allocated in the child.
//!
//! What is left: a fork at the instant another thread holds a pool's look-up lock (a few
//! nanoseconds a call) leaves that lock held in the child, as with any lock.
//!
//! Every parallel section of the crate runs through [`install`] (or the key generation pool,
//! [`KEYGEN`]), never on rayon's global pool.

use std::sync::{Mutex, PoisonError};

use rayon::ThreadPool;

/// A rayon pool of one thread per core (or `RAYON_NUM_THREADS`), built on first use in each
/// process.
#[derive(Debug)]
pub(crate) struct ForkSafePool {
    /// The process that built the pool, and the pool (leaked: it lives as long as the
    /// process, as a static pool would). The lock is held for the look-up only, and while the
    /// first use in a process builds the pool.
    slot: Mutex<Option<(u32, &'static ThreadPool)>>,
    name: &'static str,
}

impl ForkSafePool {
    pub(crate) const fn new(name: &'static str) -> Self {
        Self {
            slot: Mutex::new(None),
            name,
        }
    }

    /// This process's pool.
    pub(crate) fn get(&self) -> &'static ThreadPool {
        let pid = std::process::id();
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match *slot {
            Some((owner, pool)) if owner == pid => pool,
            _ => {
                let name = self.name;
                let pool: &'static ThreadPool = Box::leak(Box::new(
                    rayon::ThreadPoolBuilder::new()
                        .thread_name(move |i| format!("{name}-{i}"))
                        .build()
                        .expect("a thread pool"),
                ));
                *slot = Some((pid, pool));
                pool
            }
        }
    }
}

/// The pool of signing, digests, tree scans, IMA hashing and package extraction.
pub(crate) static WORK: ForkSafePool = ForkSafePool::new("xrsim-work");

/// The pool of batch key generation, apart from [`WORK`] so that the work of routers booting
/// beside the keys does not queue behind them.
pub(crate) static KEYGEN: ForkSafePool = ForkSafePool::new("xrsim-keygen");

/// Runs `f` in this process's [`WORK`] pool: its parallel iterators, `join` and `scope` go
/// there. From a thread of that pool, `f` runs where it is.
pub(crate) fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    WORK.get().install(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn one_pool_per_process_and_it_runs_work() {
        let a: *const ThreadPool = WORK.get();
        let b: *const ThreadPool = WORK.get();
        assert_eq!(a, b);
        let sum: u64 = install(|| (1..=1000u64).into_par_iter().sum());
        assert_eq!(sum, 500_500);
        let name = install(|| std::thread::current().name().map(str::to_owned));
        assert!(name.is_some_and(|n| n.starts_with("xrsim-work-")));
    }

    #[test]
    fn a_pool_of_another_process_is_replaced() {
        static P: ForkSafePool = ForkSafePool::new("xrsim-test");
        let first: *const ThreadPool = P.get();
        // What a forked child sees: the slot holds a pool another process built.
        P.slot.lock().unwrap().as_mut().unwrap().0 = std::process::id().wrapping_add(1);
        let second: *const ThreadPool = P.get();
        assert_ne!(first, second);
        assert_eq!(P.get().install(|| (0..10).into_par_iter().count()), 10);
    }
}
