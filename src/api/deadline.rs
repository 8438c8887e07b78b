//! How long a request may take: its body must arrive in full within a deadline and, past its
//! first [`BODY_RATE_GRACE_BYTES`], at a minimum average rate; the whole request must finish
//! within [`Deadlines::request`]. Past either, the answer is 408.
//!
//! Without this, a client dribbling bodies at a byte a second holds as many of the server's
//! in-flight slots as it opens connections, for as long as it likes (issue 11, item 8).
//!
//! tower-http's `RequestBodyTimeout` bounds the wait for each frame, which a client sending a
//! byte just within each wait defeats; the deadline here is for the whole body, and the rate
//! rule is ours. The body reports the breach as an error to whichever extractor reads it, and
//! the layer answers 408 whatever that extractor made of the error, so every route, present and
//! future, is covered the same way.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::ApiError;
use crate::config::BODY_RATE_GRACE_BYTES;

/// The time limits of every request.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// The whole request, handler included.
    pub request: Duration,
    /// The body, from the moment the request is admitted until its last byte.
    pub body: Duration,
    /// Bytes per second the body must average once [`BODY_RATE_GRACE_BYTES`] have arrived;
    /// 0 turns the rule off.
    pub min_rate: u64,
}

/// The body of a request arrived too slowly (the error its reader sees).
#[derive(Debug, thiserror::Error)]
#[error("the request body arrived too slowly")]
pub struct BodyTooSlow;

/// Middleware: wraps the body in a [`DeadlineBody`] and bounds the whole request. A request
/// whose body broke its deadline is answered 408 whatever the handler made of the read error
/// (axum's extractors would say 400), and the connection is closed rather than drained.
pub async fn enforce(State(limits): State<Deadlines>, request: Request, next: Next) -> Response {
    let tripped = Arc::new(AtomicBool::new(false));
    let body_tripped = Arc::clone(&tripped);
    let request = request.map(|body| {
        Body::new(DeadlineBody::new(
            body,
            limits,
            body_tripped,
            Instant::now(),
        ))
    });
    match tokio::time::timeout(limits.request, next.run(request)).await {
        Ok(response) if !tripped.load(Ordering::Acquire) => response,
        Ok(_) => closing(ApiError::RequestTimeout(
            "the request body arrived too slowly",
        )),
        Err(_) => closing(ApiError::RequestTimeout("the request took too long")),
    }
}

fn closing(error: ApiError) -> Response {
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A request body that fails with [`BodyTooSlow`] once it breaks its [`Deadlines`]: when the
/// whole-body deadline passes, or when, after the grace bytes, its average rate since the start
/// falls below the minimum. A timer wakes the reader at the earlier of the two instants, so a
/// client that sends nothing at all is cut off on time too.
pub struct DeadlineBody {
    inner: Body,
    started: Instant,
    limits: Deadlines,
    received: u64,
    timer: Pin<Box<Sleep>>,
    tripped: Arc<AtomicBool>,
    finished: bool,
}

impl DeadlineBody {
    /// Wraps `inner`, whose deadlines count from `started`; `tripped` is set on a breach.
    pub fn new(inner: Body, limits: Deadlines, tripped: Arc<AtomicBool>, started: Instant) -> Self {
        Self {
            inner,
            started,
            limits,
            received: 0,
            timer: Box::pin(tokio::time::sleep_until(started + limits.body)),
            tripped,
            finished: false,
        }
    }

    /// The instant the body is in breach unless more arrives: the whole-body deadline or,
    /// past the grace bytes, when the average rate would fall below the minimum.
    fn breach_at(&self) -> Instant {
        let whole = self.started + self.limits.body;
        if self.limits.min_rate == 0 || self.received < BODY_RATE_GRACE_BYTES {
            return whole;
        }
        let allowed = Duration::from_secs_f64(self.received as f64 / self.limits.min_rate as f64);
        whole.min(self.started + allowed)
    }

    fn trip(&mut self) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        self.finished = true;
        self.tripped.store(true, Ordering::Release);
        Poll::Ready(Some(Err(Box::new(BodyTooSlow))))
    }
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                }
                let breach = this.breach_at();
                if Instant::now() >= breach {
                    return this.trip();
                }
                this.timer.as_mut().reset(breach);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                this.finished = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err.into()))),
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => this.trip(),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.finished || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(received: u64, min_rate: u64) -> DeadlineBody {
        let limits = Deadlines {
            request: Duration::from_secs(120),
            body: Duration::from_secs(30),
            min_rate,
        };
        let started = Instant::now();
        let mut body = DeadlineBody::new(Body::empty(), limits, Arc::default(), started);
        body.received = received;
        body
    }

    #[tokio::test]
    async fn the_rate_rule_starts_after_the_grace_bytes_and_never_extends_the_whole_deadline() {
        let whole = |b: &DeadlineBody| b.started + Duration::from_secs(30);
        let early = body(BODY_RATE_GRACE_BYTES - 1, 1024);
        assert_eq!(early.breach_at(), whole(&early), "within the grace bytes");
        let graced = body(BODY_RATE_GRACE_BYTES, 16 * 1024);
        assert_eq!(graced.breach_at(), graced.started + Duration::from_secs(4));
        let fast = body(100 * 1024 * 1024, 16 * 1024);
        assert_eq!(
            fast.breach_at(),
            whole(&fast),
            "the whole deadline still holds"
        );
        let off = body(BODY_RATE_GRACE_BYTES, 0);
        assert_eq!(
            off.breach_at(),
            whole(&off),
            "a rate of 0 turns the rule off"
        );
    }
}
