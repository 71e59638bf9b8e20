//! A circuit breaker per endpoint, so that a provider that is down costs each shopper's turn
//! nothing instead of a timeout before the fallback answers.
//!
//! Closed: every request may go. After `failure_threshold` failures in a row that blame the
//! endpoint it opens: nothing is sent for `cool_down`. Then it is half-open: one request goes
//! as a trial while the others keep skipping the endpoint; its success closes the breaker, its
//! failure opens it for another `cool_down`.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// When a breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// How long an open breaker rests the endpoint before a trial request.
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    /// Set while open or half-open: until when nothing is sent.
    open_until: Option<Instant>,
    /// Half-open and the trial request is out.
    trial_running: bool,
}

#[derive(Debug)]
pub(super) struct Breaker {
    policy: BreakerPolicy,
    state: Mutex<State>,
}

impl Breaker {
    pub(super) fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            state: Mutex::default(),
        }
    }

    /// Permission to send one request, or `None` while the endpoint rests.
    pub(super) fn admit(&self) -> Option<Pass<'_>> {
        let mut state = self.lock();
        let trial = match state.open_until {
            None => false,
            Some(until) if Instant::now() < until => return None,
            Some(_) if state.trial_running => return None,
            Some(_) => {
                state.trial_running = true;
                true
            }
        };
        Some(Pass {
            breaker: self,
            trial,
            settled: false,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while holding it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One admitted request; report how it went with [`Pass::succeeded`] or [`Pass::failed`].
/// Dropped unreported (the caller gave up waiting), a trial frees its slot for the next
/// request.
pub(super) struct Pass<'a> {
    breaker: &'a Breaker,
    trial: bool,
    settled: bool,
}

impl Pass<'_> {
    pub(super) fn succeeded(mut self) {
        self.settled = true;
        let mut state = self.breaker.lock();
        *state = State::default();
    }

    /// Counts a failure; returns whether that opened the breaker.
    pub(super) fn failed(mut self) -> bool {
        self.settled = true;
        let policy = self.breaker.policy;
        let mut state = self.breaker.lock();
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
        if self.trial {
            state.trial_running = false;
            state.open_until = Some(Instant::now() + policy.cool_down);
            return true;
        }
        if state.open_until.is_none() && state.consecutive_failures >= policy.failure_threshold {
            state.open_until = Some(Instant::now() + policy.cool_down);
            return true;
        }
        false
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if self.trial && !self.settled {
            self.breaker.lock().trial_running = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(cool_down: Duration) -> Breaker {
        Breaker::new(BreakerPolicy {
            failure_threshold: 2,
            cool_down,
        })
    }

    fn fail(breaker: &Breaker) -> bool {
        breaker.admit().is_some_and(Pass::failed)
    }

    fn succeed(breaker: &Breaker) {
        if let Some(pass) = breaker.admit() {
            pass.succeeded();
        }
    }

    #[test]
    fn opens_after_the_threshold_and_a_success_resets_the_count() {
        let breaker = breaker(Duration::from_secs(60));
        assert!(!fail(&breaker));
        succeed(&breaker);
        assert!(!fail(&breaker));
        assert!(fail(&breaker), "the second failure in a row opens it");
        assert!(breaker.admit().is_none());
    }

    #[test]
    fn half_open_lets_one_trial_through() {
        let breaker = breaker(Duration::ZERO);
        fail(&breaker);
        fail(&breaker);
        let trial = breaker.admit();
        assert!(trial.as_ref().is_some_and(|pass| pass.trial));
        assert!(
            breaker.admit().is_none(),
            "a second request during the trial"
        );
        drop(trial);
        let trial = breaker.admit();
        assert!(trial.is_some(), "an abandoned trial frees the slot");
        if let Some(trial) = trial {
            trial.succeeded();
        }
        let pass = breaker.admit();
        assert!(
            pass.as_ref().is_some_and(|pass| !pass.trial),
            "closed again"
        );
        drop(pass);
        // With no cool-down, failures reopen it straight into the next trial.
        assert!(!fail(&breaker));
        assert!(fail(&breaker), "the threshold opens it again");
        assert!(fail(&breaker), "a failed trial reopens it");
        assert!(breaker.admit().is_some_and(|pass| pass.trial));
    }
}
