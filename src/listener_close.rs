//! Closing the listening socket without resetting connections the kernel has already
//! made for it. A proxy sends its request as soon as its connection is made; one still
//! in the listener's queue when the socket closes is reset after the request went out,
//! and a proxy passes a POST so lost to no other instance (nginx answers 502). So the
//! kernel is first told to start no new connection (a client's SYN is dropped: it sends
//! it again a second later, finds the port closed, and a refused connection is passed
//! to another instance), the server takes what is queued, and only then stops.

use std::net::TcpListener;
use std::time::Duration;

/// A second handle on the server's listening socket.
pub struct Listener(TcpListener);

impl Listener {
    pub fn of(listener: &TcpListener) -> std::io::Result<Self> {
        listener.try_clone().map(Self)
    }

    /// Starts no new connection from now on, then waits until the server has taken
    /// the connections already made (handshakes under way included), at most `within`.
    pub async fn stop_new_connections(&self, within: Duration) {
        if let Err(error) = refuse_handshakes(&self.0) {
            log::warn!("new connections not held off before the listener closes: {error}");
            return;
        }
        // A handshake begun before the filter ends one round trip later.
        const HANDSHAKE: Duration = Duration::from_millis(50);
        tokio::time::sleep(HANDSHAKE).await;
        let deadline = tokio::time::Instant::now() + within.saturating_sub(HANDSHAKE);
        while queued(&self.0).unwrap_or(0) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A socket filter that drops segments opening a connection (SYN without ACK) and lets
/// every other through: connections half made complete, none begins.
#[cfg(target_os = "linux")]
fn refuse_handshakes(listener: &TcpListener) -> std::io::Result<()> {
    use libc::{
        BPF_ABS, BPF_ALU, BPF_AND, BPF_B, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, sock_filter,
        sock_fprog,
    };
    use std::os::fd::AsRawFd;
    fn op(code: u32, jt: u8, jf: u8, k: u32) -> sock_filter {
        // BPF opcodes are 16 bits wide; libc spells them as u32.
        let code = u16::try_from(code).unwrap_or(u16::MAX);
        sock_filter { code, jt, jf, k }
    }
    const SYN: u32 = 0x02;
    const ACK: u32 = 0x10;
    // A TCP socket's filter sees the segment from its TCP header on; byte 13 holds
    // the flags.
    let mut program = [
        op(BPF_LD | BPF_B | BPF_ABS, 0, 0, 13),
        op(BPF_ALU | BPF_AND | BPF_K, 0, 0, SYN | ACK),
        op(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYN),
        op(BPF_RET | BPF_K, 0, 0, 0),
        op(BPF_RET | BPF_K, 0, 0, u32::MAX),
    ];
    let filter = sock_fprog {
        len: 5,
        filter: program.as_mut_ptr(),
    };
    // SAFETY: the descriptor is open (this handle owns a duplicate of it) and `filter`
    // points at a program of `len` instructions that outlives the call; the kernel
    // copies it.
    let result = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            std::ptr::from_ref(&filter).cast(),
            socklen_of::<sock_fprog>(),
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(target_os = "linux")]
fn socklen_of<T>() -> libc::socklen_t {
    libc::socklen_t::try_from(size_of::<T>()).unwrap_or(libc::socklen_t::MAX)
}

#[cfg(not(target_os = "linux"))]
fn refuse_handshakes(_: &TcpListener) -> std::io::Result<()> {
    Err(std::io::Error::other("socket filters are Linux's"))
}

/// Connections made and waiting in the listener's queue (Linux reports a listening
/// socket's queue length as TCP_INFO's `tcpi_unacked`).
#[cfg(target_os = "linux")]
fn queued(listener: &TcpListener) -> std::io::Result<u32> {
    use std::os::fd::AsRawFd;
    // SAFETY: tcp_info is plain integers, for which zero is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut length = socklen_of::<libc::tcp_info>();
    // SAFETY: the descriptor is open, and the kernel writes at most `length` bytes
    // into `info`.
    let result = unsafe {
        libc::getsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            std::ptr::from_mut(&mut info).cast(),
            &raw mut length,
        )
    };
    if result == 0 {
        Ok(info.tcpi_unacked)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn queued(_: &TcpListener) -> std::io::Result<u32> {
    Ok(0)
}
