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
    let forwarded: Vec<IpAddr> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .unwrap_or(peer)
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
}
