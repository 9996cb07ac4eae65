//! The open-loop engine over plain HTTP: event-loop threads, each with its
//! own epoll set, a timer and a share of the keep-alive connections.
//!
//! Request *i* is due at `start + i/rate`. A thread with a free connection
//! claims the next request number from one shared counter and arms its
//! timer (a `timerfd`: nanosecond expiry, where epoll's own timeout counts
//! whole milliseconds) for that request's due time; when it fires the
//! request goes out on the free connection. Meanwhile the same `epoll_wait`
//! delivers the answers of the requests in flight. So a request is never
//! sent early, a request that waits for a free connection counts its wait
//! from its due time (it is claimed only once a connection is free), and
//! nothing hands a request from one thread to another: per request the
//! generator makes a `write`, a `read`, and at most one timer setting and
//! one `epoll_wait`, shared by whatever else is ready at that moment.
//!
//! From [`TICK_RATE`] on (a request every [`TICK`] or more often), with
//! connections enough ([`tick_for`]), waking for each request and each
//! answer would cost more than the request: the loop ticks instead, on a periodic timer, sending what fell due and
//! reading what arrived since the last tick together ([`Worker::wait`]):
//! per request a `write` and a `read`, per tick one blocking `read` of the
//! timer and one `epoll_wait` that does not block.
//!
//! Connections are registered edge-triggered for reading and writing once,
//! when they open; a connection the server closed, or that failed, is
//! reopened (non-blocking `connect`) for the next request it carries.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::event::epoll;
use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};
use rustix::time::{
    timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags,
};

use super::http1::{Failure, Progress, ResponseReader};
use super::tally::Tally;
use super::BenchError;

/// The epoll token of a thread's timer (connections are their index).
const TIMER: u64 = u64::MAX;
/// Events taken per `epoll_wait`.
const EVENTS: usize = 256;
/// How often a ticking loop polls (see [`Worker::wait`]).
const TICK: Duration = Duration::from_micros(100);
/// From this rate on (one request per [`TICK`] or more) the loop ticks.
const TICK_RATE: u64 = 10_000;

/// What the threads share.
struct Plan {
    addr: SocketAddr,
    requests: Vec<Vec<u8>>,
    total: u64,
    rate: u64,
    start: Instant,
    timeout: Duration,
    next: AtomicU64,
    /// The ticking loop's period, at [`TICK_RATE`] and above.
    tick: Option<Duration>,
}

impl Plan {
    /// When request `i` is due.
    fn due(&self, i: u64) -> Instant {
        let nanos = u128::from(i) * 1_000_000_000 / u128::from(self.rate);
        self.start + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    fn request(&self, i: u64) -> &[u8] {
        let index = usize::try_from(i).unwrap_or(0) % self.requests.len().max(1);
        self.requests.get(index).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A request on its connection.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    /// Its number.
    i: u64,
    due: Instant,
    deadline: Instant,
    /// Bytes of the request written so far.
    written: usize,
}

/// Where a connection stands.
#[derive(Clone, Copy, Debug)]
enum State {
    /// No socket; opened for the next request it carries.
    Closed,
    /// Open, no request.
    Idle,
    /// `connect` in progress, the request waiting for it.
    Connecting(InFlight),
    /// The request partly written (the socket's buffer was full).
    Sending(InFlight),
    /// The request written, its answer awaited.
    Waiting(InFlight),
}

struct Conn {
    stream: Option<TcpStream>,
    reader: ResponseReader,
    state: State,
}

/// One event-loop thread.
struct Worker {
    plan: Arc<Plan>,
    epoll: OwnedFd,
    timer: OwnedFd,
    /// The due time the timer is set for.
    armed: Option<Instant>,
    conns: Vec<Conn>,
    /// Connections without a request (idle or closed).
    free: Vec<usize>,
    in_flight: usize,
    /// No deadline of a request in flight is before this.
    earliest_deadline: Option<Instant>,
    /// The request claimed for the next free connection, not yet due.
    claimed: Option<(u64, Instant)>,
    /// The shared counter is past the last request.
    exhausted: bool,
    tally: Tally,
}

fn setup(e: impl std::fmt::Display) -> BenchError {
    BenchError::Setup(e.to_string())
}

/// Opens a non-blocking connection to `addr`: `Ok(true)` when it is already
/// connected, `Ok(false)` while `connect` is in progress.
fn open(addr: SocketAddr) -> Result<(TcpStream, bool), Failure> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let socket = rustix::net::socket_with(
        family,
        SocketType::STREAM,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|_| Failure::Connect)?;
    let connected = match rustix::net::connect(&socket, &addr) {
        Ok(()) => true,
        Err(Errno::INPROGRESS | Errno::INTR) => false,
        Err(_) => return Err(Failure::Connect),
    };
    let stream = TcpStream::from(socket);
    let _ = stream.set_nodelay(true);
    Ok((stream, connected))
}

impl Worker {
    fn new(plan: Arc<Plan>, streams: Vec<Option<TcpStream>>) -> Result<Worker, BenchError> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC).map_err(setup)?;
        let timer = timerfd_create(
            TimerfdClockId::Monotonic,
            // Blocking: the ticking loop sleeps in a `read` of it.
            TimerfdFlags::CLOEXEC,
        )
        .map_err(setup)?;
        if plan.tick.is_none() {
            epoll::add(
                &epoll,
                &timer,
                epoll::EventData::new_u64(TIMER),
                epoll::EventFlags::IN | epoll::EventFlags::ET,
            )
            .map_err(setup)?;
        }
        let mut worker = Worker {
            plan,
            epoll,
            timer,
            armed: None,
            conns: Vec::with_capacity(streams.len()),
            free: (0..streams.len()).rev().collect(),
            in_flight: 0,
            earliest_deadline: None,
            claimed: None,
            exhausted: false,
            tally: Tally::new()?,
        };
        for stream in streams {
            let index = worker.conns.len();
            worker.conns.push(Conn {
                stream: None,
                reader: ResponseReader::new(),
                state: State::Closed,
            });
            if let Some(stream) = stream {
                if stream.set_nonblocking(true).is_ok() && worker.register(index, &stream) {
                    if let Some(conn) = worker.conns.get_mut(index) {
                        conn.stream = Some(stream);
                        conn.state = State::Idle;
                    }
                }
            }
        }
        Ok(worker)
    }

    /// Adds a connection's socket to the epoll set (edge-triggered).
    fn register(&self, index: usize, stream: &TcpStream) -> bool {
        epoll::add(
            &self.epoll,
            stream,
            epoll::EventData::new_u64(index as u64),
            epoll::EventFlags::IN
                | epoll::EventFlags::OUT
                | epoll::EventFlags::RDHUP
                | epoll::EventFlags::ET,
        )
        .is_ok()
    }

    fn run(mut self) -> Result<Tally, BenchError> {
        let mut events: Vec<epoll::Event> = Vec::with_capacity(EVENTS);
        if let Some(tick) = self.plan.tick {
            self.start_ticking(tick)?;
        }
        loop {
            let now = Instant::now();
            if self.earliest_deadline.is_some_and(|d| d <= now) {
                self.expire(now);
            }
            self.send_due(now);
            if self.exhausted && self.in_flight == 0 && self.claimed.is_none() {
                return Ok(self.tally);
            }
            events.clear();
            self.wait(&mut events)?;
            for event in &events {
                let token = event.data.u64();
                if token == TIMER {
                    self.armed = None;
                } else if let Ok(index) = usize::try_from(token) {
                    self.ready(index, event.flags);
                }
            }
        }
    }

    /// Waits for the next thing to do and collects the connections' events.
    ///
    /// Below [`TICK_RATE`] the loop sleeps in `epoll_wait` until a socket is
    /// ready or the timer fires for the next due time or deadline, so each
    /// answer is timed when it arrives. At or above it the loop ticks: the
    /// timer is periodic ([`TICK`]) and the loop sleeps in a blocking `read`
    /// of it alone, so an answer arriving wakes nobody (the server's `write`
    /// does not have to), then takes every ready socket with one
    /// `epoll_wait` that does not block. The requests that fell due since
    /// the last tick go out together and the answers that arrived are read
    /// together: two system calls and one wake-up per tick instead of about
    /// two wake-ups per request. Latencies stay measured from the due time,
    /// and an answer is timed when its tick reads it (at most [`TICK`] after
    /// it arrived), so the coalescing counts in the figures, never hides.
    fn wait(&mut self, events: &mut Vec<epoll::Event>) -> Result<(), BenchError> {
        let zero = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let timeout = if self.plan.tick.is_some() {
            let mut expirations = [0u8; 8];
            match rustix::io::read(&self.timer, &mut expirations) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(setup(e)),
            }
            Some(zero)
        } else {
            let next = match (self.claimed.map(|(_, due)| due), self.earliest_deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match next {
                Some(at) if at <= Instant::now() => Some(zero),
                Some(at) => {
                    self.arm(at)?;
                    None
                }
                None => None,
            }
        };
        match epoll::wait(
            &self.epoll,
            rustix::buffer::spare_capacity(events),
            timeout.as_ref(),
        ) {
            Ok(_) | Err(Errno::INTR) => Ok(()),
            Err(e) => Err(setup(e)),
        }
    }

    /// Starts the periodic timer of a ticking loop.
    fn start_ticking(&self, tick: Duration) -> Result<(), BenchError> {
        let period = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: i64::from(tick.subsec_nanos()).max(1),
        };
        let value = Itimerspec {
            it_interval: period,
            it_value: period,
        };
        timerfd_settime(&self.timer, TimerfdTimerFlags::empty(), &value).map_err(setup)?;
        Ok(())
    }

    /// Sets the timer to expire at `at` (unless it already does).
    fn arm(&mut self, at: Instant) -> Result<(), BenchError> {
        if self.armed == Some(at) {
            return Ok(());
        }
        let wait = at
            .saturating_duration_since(Instant::now())
            .max(Duration::from_nanos(1));
        let value = Itimerspec {
            it_interval: rustix::time::Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: rustix::time::Timespec {
                tv_sec: i64::try_from(wait.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(wait.subsec_nanos()),
            },
        };
        timerfd_settime(&self.timer, TimerfdTimerFlags::empty(), &value).map_err(setup)?;
        self.armed = Some(at);
        Ok(())
    }

    /// Claims requests for free connections and sends those that are due.
    fn send_due(&mut self, now: Instant) {
        loop {
            if self.claimed.is_none() && !self.exhausted && !self.free.is_empty() {
                let i = self.plan.next.fetch_add(1, Ordering::Relaxed);
                if i >= self.plan.total {
                    self.exhausted = true;
                } else {
                    self.claimed = Some((i, self.plan.due(i)));
                }
            }
            let Some((i, due)) = self.claimed else { return };
            if due > now {
                return;
            }
            let Some(index) = self.free.pop() else {
                return;
            };
            self.claimed = None;
            let deadline = due + self.plan.timeout;
            self.tally.sent(now.saturating_duration_since(due));
            if now >= deadline {
                // It waited for a connection past its deadline.
                self.tally.completed(due, Some(Failure::Timeout.kind()));
                self.free.push(index);
                continue;
            }
            let request = InFlight {
                i,
                due,
                deadline,
                written: 0,
            };
            self.in_flight += 1;
            self.earliest_deadline =
                Some(self.earliest_deadline.map_or(deadline, |d| d.min(deadline)));
            self.start(index, request);
        }
    }

    /// Puts `request` on connection `index` (opening it if needed).
    fn start(&mut self, index: usize, request: InFlight) {
        let Some(conn) = self.conns.get_mut(index) else {
            return;
        };
        if conn.stream.is_none() {
            match open(self.plan.addr) {
                Ok((stream, connected)) => {
                    if !self.register(index, &stream) {
                        self.fail(index, request, Failure::Connect);
                        return;
                    }
                    let Some(conn) = self.conns.get_mut(index) else {
                        return;
                    };
                    conn.reader.reset();
                    conn.stream = Some(stream);
                    if !connected {
                        conn.state = State::Connecting(request);
                        return;
                    }
                }
                Err(failure) => {
                    self.fail(index, request, failure);
                    return;
                }
            }
        }
        self.write(index, request);
    }

    /// Writes what is left of `request`.
    fn write(&mut self, index: usize, mut request: InFlight) {
        let bytes = self.plan.request(request.i);
        let Some(conn) = self.conns.get_mut(index) else {
            return;
        };
        let Some(mut stream) = conn.stream.as_ref() else {
            self.fail(index, request, Failure::Closed);
            return;
        };
        while let Some(rest) = bytes.get(request.written..).filter(|r| !r.is_empty()) {
            match stream.write(rest) {
                Ok(0) => {
                    self.fail(index, request, Failure::Closed);
                    return;
                }
                Ok(n) => request.written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    conn.state = State::Sending(request);
                    return;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.fail(index, request, Failure::from(e));
                    return;
                }
            }
        }
        conn.state = State::Waiting(request);
    }

    /// Connection `index` is readable, writable or hung up (`flags`).
    fn ready(&mut self, index: usize, flags: epoll::EventFlags) {
        // A writable edge alone (a connection's registration, space in
        // its send buffer) brings nothing to read: no `read` for it.
        let readable = flags.intersects(
            epoll::EventFlags::IN
                | epoll::EventFlags::RDHUP
                | epoll::EventFlags::HUP
                | epoll::EventFlags::ERR,
        );
        // The peer closed: edge-triggered, no further event will come, so
        // the read goes on to the end of the stream.
        let closed = flags
            .intersects(epoll::EventFlags::RDHUP | epoll::EventFlags::HUP | epoll::EventFlags::ERR);
        let Some(conn) = self.conns.get_mut(index) else {
            return;
        };
        match conn.state {
            State::Closed => {}
            State::Connecting(request) => {
                let connected = conn
                    .stream
                    .as_ref()
                    .map(|s| rustix::net::sockopt::socket_error(s.as_fd()));
                match connected {
                    Some(Ok(Ok(()))) => self.write(index, request),
                    _ => self.fail(index, request, Failure::Connect),
                }
            }
            State::Sending(request) => {
                self.write(index, request);
                if readable {
                    self.read(index, closed);
                }
            }
            State::Waiting(_) | State::Idle if readable => self.read(index, closed),
            State::Waiting(_) | State::Idle => {}
        }
    }

    /// Reads what connection `index` has: the answer of its request, or
    /// (when idle) the end of the stream or bytes nobody asked for, after
    /// which it is closed.
    fn read(&mut self, index: usize, to_end: bool) {
        let Some(conn) = self.conns.get_mut(index) else {
            return;
        };
        let Some(mut stream) = conn.stream.as_ref() else {
            return;
        };
        let progress = conn.reader.read_from(&mut stream, to_end);
        match (conn.state, progress) {
            (
                State::Waiting(request) | State::Sending(request),
                Ok(Progress::Done { status, reusable }),
            ) => {
                self.in_flight -= 1;
                match Tally::status_kind(status) {
                    None => self.tally.completed(request.due, None),
                    Some(kind) => self.tally.completed(request.due, Some(&kind)),
                }
                if let Some(conn) = self.conns.get_mut(index) {
                    if reusable {
                        conn.state = State::Idle;
                    } else {
                        conn.stream = None;
                        conn.state = State::Closed;
                    }
                }
                self.free.push(index);
            }
            (State::Waiting(_) | State::Sending(_), Ok(Progress::More)) => {}
            (State::Waiting(request) | State::Sending(request), Err(failure)) => {
                self.fail(index, request, failure);
            }
            (State::Idle, Ok(Progress::More)) => {
                // Nothing yet, or part of an answer nobody asked for.
                if conn.reader.holds_bytes() {
                    conn.stream = None;
                    conn.state = State::Closed;
                }
            }
            (State::Idle, _) => {
                conn.stream = None;
                conn.state = State::Closed;
            }
            (State::Closed | State::Connecting(_), _) => {}
        }
    }

    /// `request` on connection `index` failed: counted, the connection
    /// closed and free again.
    fn fail(&mut self, index: usize, request: InFlight, failure: Failure) {
        self.in_flight -= 1;
        self.tally.completed(request.due, Some(failure.kind()));
        if let Some(conn) = self.conns.get_mut(index) {
            conn.stream = None;
            conn.state = State::Closed;
        }
        self.free.push(index);
    }

    /// Fails the requests in flight past their deadline.
    fn expire(&mut self, now: Instant) {
        let mut earliest: Option<Instant> = None;
        for index in 0..self.conns.len() {
            let request = match self.conns.get(index).map(|c| c.state) {
                Some(State::Connecting(r) | State::Sending(r) | State::Waiting(r)) => r,
                _ => continue,
            };
            if request.deadline <= now {
                self.fail(index, request, Failure::Timeout);
            } else {
                earliest = Some(earliest.map_or(request.deadline, |d| d.min(request.deadline)));
            }
        }
        self.earliest_deadline = earliest;
    }
}

/// The period of the loop at `rate` requests per second over `connections`
/// connections: [`TICK`] from [`TICK_RATE`] on, none below (see
/// [`Worker::wait`]). A ticking connection carries at most one request per
/// tick (its answer is read at a tick, the next request sent then), so the
/// loop ticks only while the connections can carry twice the rate that way;
/// fewer connections keep the loop that wakes for each answer.
fn tick_for(rate: u32, connections: usize) -> Option<Duration> {
    let rate = u64::from(rate);
    let per_tick_capacity = u64::try_from(connections)
        .unwrap_or(u64::MAX)
        .saturating_mul(TICK_RATE);
    (rate >= TICK_RATE && per_tick_capacity >= rate.saturating_mul(2)).then_some(TICK)
}

/// How many event-loop threads for `connections` connections.
fn threads(connections: usize) -> usize {
    connections.clamp(1, THREADS)
}

/// Event-loop threads at most. The reference server is one thread, and the
/// generator shares the cores with it, so one loop thread leaves it the
/// other core; the loop runs as well with more (they share the request
/// counter), which no idle run has measured yet.
const THREADS: usize = 1;

/// Runs `total` requests at `rate` per second over `connections`
/// connections to `addr`, request *i* being `requests[i % len]`.
pub(crate) fn run(
    addr: SocketAddr,
    requests: Vec<Vec<u8>>,
    total: u64,
    rate: u32,
    connections: usize,
    timeout: Duration,
) -> Result<super::BenchResult, BenchError> {
    // Connections are opened before the clock starts (a failure is
    // retried, and counted, on the first request).
    let threads = threads(connections);
    let mut shares: Vec<Vec<Option<TcpStream>>> = (0..threads).map(|_| Vec::new()).collect();
    for n in 0..connections {
        let stream = TcpStream::connect_timeout(&addr, timeout).ok();
        if let Some(stream) = &stream {
            let _ = stream.set_nodelay(true);
        }
        if let Some(share) = shares.get_mut(n % threads) {
            share.push(stream);
        }
    }
    let plan = Arc::new(Plan {
        addr,
        requests,
        total,
        rate: u64::from(rate.max(1)),
        start: Instant::now() + Duration::from_millis(5),
        timeout,
        next: AtomicU64::new(0),
        tick: tick_for(rate, connections),
    });
    let mut handles = Vec::with_capacity(threads);
    for (n, share) in shares.into_iter().enumerate() {
        let worker = Worker::new(Arc::clone(&plan), share)?;
        let handle = std::thread::Builder::new()
            .name(format!("bench-loop-{n}"))
            .spawn(move || worker.run())
            .map_err(setup)?;
        handles.push(handle);
    }
    let mut tally = Tally::new()?;
    let mut failed = None;
    for handle in handles {
        match handle.join() {
            Ok(Ok(t)) => tally.merge(t),
            Ok(Err(e)) => failed = Some(e),
            Err(_) => failed = Some(BenchError::Setup("a generator thread panicked".into())),
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(tally.result(total, plan.start)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    /// A server that answers each request it reads with `answer`, closing
    /// the connection after it when `close`.
    fn server(answer: &'static [u8], close: bool) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut request = [0u8; 4096];
                    while stream.read(&mut request).is_ok_and(|n| n > 0) {
                        if stream.write_all(answer).is_err() || close {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    fn run_against(addr: SocketAddr) -> super::super::BenchResult {
        run_at(addr, 400)
    }

    fn run_at(addr: SocketAddr, rate: u32) -> super::super::BenchResult {
        let request = super::super::http1::post_request("h", "/", b"{}");
        // 4 connections: at 20,000 req/s the loop ticks (`tick_for`).
        run(addr, vec![request], 40, rate, 4, Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn the_loop_ticks_from_its_tick_rate_on_with_connections_enough() {
        let at = u32::try_from(TICK_RATE).unwrap();
        assert_eq!(tick_for(at - 1, 64), None);
        assert_eq!(tick_for(at, 2), Some(TICK));
        assert_eq!(tick_for(at, 1), None, "one connection carries 10,000/s");
        assert_eq!(tick_for(40_000, 8), Some(TICK));
        assert_eq!(tick_for(40_000, 7), None);
        assert_eq!(tick_for(super::super::MAX_RATE, 1024), Some(TICK));
    }

    #[test]
    fn every_framing_and_reconnection_completes_each_request() {
        // 400 req/s: the loop sleeps in `epoll_wait`; 20,000: it ticks.
        for ((answer, close), rate) in FRAMINGS.iter().flat_map(|f| [(*f, 400), (*f, 20_000)]) {
            let result = run_at(server(answer, close), rate);
            let text = String::from_utf8_lossy(answer);
            assert_eq!(result.completed, 40, "{text} at {rate}");
            assert_eq!(result.ok, 40, "{text} at {rate}: {:?}", result.error_kinds);
        }
    }

    /// Answers of every framing the reader handles, and whether the server
    /// closes after each.
    const FRAMINGS: [(&[u8], bool); 4] = [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", false),
        (
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}",
            true,
        ),
        (b"HTTP/1.0 200 OK\r\n\r\nuntil the end", true),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            false,
        ),
    ];

    #[test]
    fn an_answer_that_never_ends_is_a_timeout_and_every_request_is_counted() {
        // The body runs until close, and the server never closes.
        for rate in [200, 20_000] {
            let addr = server(b"HTTP/1.0 200 OK\r\n\r\nand on", false);
            let request = super::super::http1::post_request("h", "/", b"{}");
            let result = run(addr, vec![request], 20, rate, 4, Duration::from_millis(150)).unwrap();
            assert_eq!(result.completed, 20, "at {rate}");
            assert_eq!(
                result.error_kinds.get("timeout"),
                Some(&20),
                "at {rate}: {:?}",
                result.error_kinds
            );
        }
    }

    #[test]
    fn other_statuses_are_errors_of_their_kind() {
        let result = run_against(server(
            b"HTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n",
            false,
        ));
        assert_eq!(result.ok, 0);
        assert_eq!(result.error_kinds.get("http 503"), Some(&40));
    }
}
