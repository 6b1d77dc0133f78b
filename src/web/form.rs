//! `application/x-www-form-urlencoded` bodies, decoded as the URL standard says (the rules of
//! the `form_urlencoded` crate: `+` is a space, a `%` not followed by two hex digits stays as it
//! is, bytes that are not UTF-8 become U+FFFD) but run by run instead of byte by byte. The ACS
//! form carries a Base64 response of several kilobytes with an escape (`%2B`, `%2F`, `%3D`)
//! every few dozen bytes; through `serde_urlencoded` its decoding cost more than the Base64
//! decoding after it.

/// The form's name/value pairs in order; empty pairs (`&&`) are skipped, a pair without `=`
/// has an empty value.
pub fn pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match memchr::memchr(b'=', pair) {
            Some(at) => (decode(&pair[..at]), decode(&pair[at + 1..])),
            None => (decode(pair), String::new()),
        })
}

/// One name or value.
fn decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = memchr::memchr2(b'%', b'+', rest) {
        out.extend_from_slice(&rest[..at]);
        let escaped = || {
            let hex = rest.get(at + 1..at + 3)?;
            Some(hex_digit(hex[0])? << 4 | hex_digit(hex[1])?)
        };
        match rest[at] {
            b'+' => {
                out.push(b' ');
                rest = &rest[at + 1..];
            }
            _ => match escaped() {
                Some(byte) => {
                    out.push(byte);
                    rest = &rest[at + 3..];
                }
                None => {
                    out.push(b'%');
                    rest = &rest[at + 1..];
                }
            },
        }
    }
    out.extend_from_slice(rest);
    String::from_utf8(out)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `serde_urlencoded` (the `form_urlencoded` crate) makes of the same body.
    fn reference(body: &[u8]) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(body).expect("pairs")
    }

    #[test]
    fn decodes_every_body_as_form_urlencoded_does() {
        let bodies: &[&[u8]] = &[
            b"SAMLResponse=PHNhbWxwOlJlc3BvbnNl%2BIElEPSJf%2F%3D%3D&RelayState=%2Fhome",
            b"a=1+2&b=%41%62%7e&&c&=d&e=",
            b"bad=%&bad2=%4&bad3=%zz&bad4=%4g&bad5=100%&mixed=%2+&plus=%2B+",
            b"utf8=%C3%A9t%C3%A9&invalid=%FF%FE&cut=%E2%82&raw=\xc3\xa9",
            b"==&a==b&%3D=%26",
            b"",
            b"&",
        ];
        for body in bodies {
            assert_eq!(
                pairs(body).collect::<Vec<_>>(),
                reference(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn decodes_long_base64_as_form_urlencoded_does() {
        use base64::Engine;
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let body = serde_urlencoded::to_string([("SAMLResponse", &encoded)]).expect("form");
        assert!(body.contains("%2B") && body.contains("%2F"));
        assert_eq!(
            pairs(body.as_bytes()).collect::<Vec<_>>(),
            vec![("SAMLResponse".to_string(), encoded)]
        );
    }
}
