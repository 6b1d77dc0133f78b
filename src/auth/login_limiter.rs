//! Password attempts per client address, in memory: each instance limits what reaches it
//! (lockouts per person live in the store and hold across instances). IPv6 clients are counted
//! per /64, the smallest block a provider hands out, so one host cannot rotate through its
//! addresses. Idle addresses are dropped as the limiter goes, so memory follows the addresses of
//! the last minute, not every address ever seen.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

/// Checks between two sweeps of idle addresses.
const SWEEP_EVERY: u32 = 1024;

pub struct LoginLimiter<C: Clock = DefaultClock> {
    limiter: RateLimiter<IpAddr, DashMapStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    checks: AtomicU32,
}

impl LoginLimiter {
    pub fn per_minute(rate: u32) -> LoginLimiter {
        LoginLimiter::with_clock(rate, DefaultClock::default())
    }

    pub fn allows(&self, request: &HttpRequest, trusted_proxies: &[IpAddr]) -> bool {
        self.allows_ip(crate::web::client_ip::of(request, trusted_proxies))
    }
}

impl<C: Clock> LoginLimiter<C> {
    pub fn with_clock(rate: u32, clock: C) -> LoginLimiter<C> {
        let rate = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
        LoginLimiter {
            limiter: RateLimiter::dashmap_with_clock(Quota::per_minute(rate), clock),
            checks: AtomicU32::new(0),
        }
    }

    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let allowed = self.limiter.check_key(&bucket(ip)).is_ok();
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        allowed
    }

    /// Drops every address whose state is back to that of a new one.
    pub fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Addresses (or /64 blocks) held right now.
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

/// The key an address is counted under: IPv4 (also IPv4-mapped IPv6) as is, IPv6 by its /64.
fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_budget_and_other_blocks_do_not() {
        let limiter = LoginLimiter::with_clock(2, FakeRelativeClock::default());
        assert!(limiter.allows_ip(ip("2001:db8:1:2::1")));
        assert!(limiter.allows_ip(ip("2001:db8:1:2:ffff::9")));
        assert!(!limiter.allows_ip(ip("2001:db8:1:2::3")), "same /64");
        assert!(limiter.allows_ip(ip("2001:db8:1:3::1")), "another /64");
        assert!(limiter.allows_ip(ip("::ffff:192.0.2.1")));
        assert!(limiter.allows_ip(ip("192.0.2.1")));
        assert!(
            !limiter.allows_ip(ip("192.0.2.1")),
            "mapped IPv4 is the IPv4"
        );
    }

    #[test]
    fn idle_addresses_are_dropped_so_memory_does_not_grow_with_every_address() {
        let clock = FakeRelativeClock::default();
        let limiter = LoginLimiter::with_clock(20, clock.clone());
        for i in 0..5000u32 {
            limiter.allows_ip(IpAddr::V4(i.into()));
        }
        assert!(limiter.tracked() >= 5000 - SWEEP_EVERY as usize);
        clock.advance(Duration::from_secs(61));
        for i in 0..(2 * SWEEP_EVERY) {
            limiter.allows_ip(ip(&format!("10.9.{}.{}", i / 256, i % 256)));
        }
        assert!(
            limiter.tracked() <= 2 * SWEEP_EVERY as usize,
            "only the last minute's addresses stay: {}",
            limiter.tracked()
        );
        clock.advance(Duration::from_secs(61));
        limiter.sweep();
        assert_eq!(limiter.tracked(), 0);
    }
}
