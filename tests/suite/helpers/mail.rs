//! Mail as the tests receive it: a minimal SMTP server, and the settings that send to it.

use gatehouse::config::{Smtp, SmtpSecurity};

/// A minimal SMTP server on a loopback port that keeps every message it is given.
pub fn smtp_sink() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut writer = stream.try_clone().expect("clone");
            let mut reader = BufReader::new(stream);
            let _ = writer.write_all(b"220 sink ESMTP\r\n");
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                let command = line.trim_end().to_ascii_uppercase();
                let reply: &[u8] = if command.starts_with("DATA") {
                    let _ = writer.write_all(b"354 go ahead\r\n");
                    let mut message = String::new();
                    let mut part = String::new();
                    while reader.read_line(&mut part).unwrap_or(0) > 0 && part != ".\r\n" {
                        message.push_str(&part);
                        part.clear();
                    }
                    sink.lock().expect("lock").push(message);
                    b"250 queued\r\n"
                } else if command.starts_with("QUIT") {
                    let _ = writer.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 sink\r\n"
                };
                let _ = writer.write_all(reply);
                line.clear();
            }
        }
    });
    (port, received)
}

/// The SMTP settings that deliver to a sink on `port`, as gatehouse@acme.com, in plain text.
pub fn smtp_to(port: u16) -> Smtp {
    Smtp {
        host: "127.0.0.1".into(),
        port,
        user: None,
        password: None,
        from: "gatehouse@acme.com".into(),
        security: SmtpSecurity::None,
    }
}
