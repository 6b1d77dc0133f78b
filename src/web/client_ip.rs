//! The address of the person at the other end. Behind a reverse proxy the TCP peer is the
//! proxy; its `X-Forwarded-For` is believed only when the peer is one of
//! `GATEHOUSE_TRUSTED_PROXIES`, and then only up to the first hop that is not a trusted proxy
//! (anything further left was written by the client and may be forged).

use std::net::IpAddr;

use actix_web::HttpRequest;

pub fn of(request: &HttpRequest, trusted: &[IpAddr]) -> IpAddr {
    let peer = request
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if !trusted.contains(&peer) {
        return peer;
    }
    // From the right: each hop was written by the proxy to its right. A hop that does not parse
    // ends what can be believed; the last address known is then the trusted proxy that wrote it.
    let hops: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !trusted.contains(&ip) {
            return ip;
        }
    }
    client
}

/// An address, or an address with a port as some proxies write it (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::of;
    use actix_web::test::TestRequest;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy_and_only_its_own_hop() {
        let proxy = ip("10.0.0.5");
        let from_proxy = |header: &str| {
            TestRequest::default()
                .peer_addr("10.0.0.5:40000".parse().expect("addr"))
                .insert_header(("X-Forwarded-For", header.to_owned()))
                .to_http_request()
        };
        assert_eq!(of(&from_proxy("203.0.113.7"), &[proxy]), ip("203.0.113.7"));
        // A client that writes its own header cannot pick its address.
        assert_eq!(
            of(&from_proxy("1.2.3.4, 203.0.113.7"), &[proxy]),
            ip("203.0.113.7")
        );
        assert_eq!(of(&from_proxy("203.0.113.7"), &[]), proxy, "untrusted peer");
        let direct = TestRequest::default()
            .peer_addr("198.51.100.9:5000".parse().expect("addr"))
            .insert_header(("X-Forwarded-For", "1.2.3.4"))
            .to_http_request();
        assert_eq!(of(&direct, &[proxy]), ip("198.51.100.9"));
    }

    #[test]
    fn a_hop_that_does_not_parse_ends_the_trusted_chain() {
        let (edge, inner) = (ip("10.0.0.5"), ip("10.0.0.6"));
        let request = |header: &str| {
            TestRequest::default()
                .peer_addr("10.0.0.5:40000".parse().expect("addr"))
                .insert_header(("X-Forwarded-For", header.to_owned()))
                .to_http_request()
        };
        // Skipping the garbage would have believed the client's own 1.2.3.4.
        assert_eq!(of(&request("1.2.3.4, garbage"), &[edge]), edge);
        assert_eq!(
            of(&request("1.2.3.4, unknown, 10.0.0.6"), &[edge, inner]),
            inner
        );
        assert_eq!(of(&request("1.2.3.4,"), &[edge]), edge, "an empty hop");
        assert_eq!(
            of(&request("203.0.113.7:51234"), &[edge]),
            ip("203.0.113.7"),
            "a port is not garbage"
        );
        assert_eq!(
            of(&request("[2001:db8::7]:443"), &[edge]),
            ip("2001:db8::7")
        );
    }
}
