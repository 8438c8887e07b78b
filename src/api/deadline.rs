//! How long a request may take: its body must arrive within a deadline that each byte past the
//! first [`BODY_RATE_GRACE_BYTES`] extends at a minimum rate (so a client that keeps up the rate
//! is never cut off, and one that stalls is); the whole request must finish within
//! [`Deadlines::request`]. Past either, the answer is 408.
//!
//! Without this, a client dribbling bodies at a byte a second holds as many of the server's
//! in-flight slots as it opens connections, for as long as it likes.
//!
//! tower-http's `RequestBodyTimeout` bounds the wait for each frame, which a client sending a
//! byte just within each wait defeats; the deadline here is for the whole body (as Apache's
//! mod_reqtimeout `body=30,MinRate=…`). The body reports the breach as an error to whichever extractor reads it, and
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
    /// Bytes that buy one more second past `body`, once [`BODY_RATE_GRACE_BYTES`] have
    /// arrived; 0 fixes the deadline at `body`.
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

/// A request body that fails with [`BodyTooSlow`] once it breaks its [`Deadlines`]: when its
/// deadline, extended by what it has sent past the grace bytes, passes. A timer wakes the
/// reader at that instant, so a client that sends nothing at all is cut off on time too.
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

    /// The instant the body is in breach unless more arrives: the body deadline, extended by
    /// one second for every `min_rate` bytes past the grace bytes (Apache's mod_reqtimeout
    /// model). A client that keeps up the minimum rate is never cut off by it, however large
    /// its body (the request deadline still bounds it); one that stalls is cut off once its
    /// data has bought no more time. With a rate of 0 the deadline is fixed.
    fn breach_at(&self) -> Instant {
        let deadline = self.started + self.limits.body;
        if self.limits.min_rate == 0 {
            return deadline;
        }
        let paid = self.received.saturating_sub(BODY_RATE_GRACE_BYTES);
        deadline + Duration::from_secs_f64(paid as f64 / self.limits.min_rate as f64)
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
    async fn data_past_the_grace_bytes_extends_the_deadline_at_the_minimum_rate() {
        let deadline = |b: &DeadlineBody| b.started + Duration::from_secs(30);
        let early = body(BODY_RATE_GRACE_BYTES, 16 * 1024);
        assert_eq!(
            early.breach_at(),
            deadline(&early),
            "the grace bytes buy nothing"
        );
        let paid = body(BODY_RATE_GRACE_BYTES + 64 * 1024, 16 * 1024);
        assert_eq!(paid.breach_at(), deadline(&paid) + Duration::from_secs(4));
        let off = body(100 * 1024 * 1024, 0);
        assert_eq!(
            off.breach_at(),
            deadline(&off),
            "a rate of 0 fixes the deadline"
        );
    }
}
