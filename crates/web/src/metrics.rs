//! Request metrics in the Prometheus text format, without a metrics framework: a few
//! counters and a latency histogram per route.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .expect("metrics lock")
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let mut lat = self.latency.lock().expect("metrics lock");
        let s = lat.entry(route.to_string()).or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut out = String::new();
        out.push_str("# HELP jianguan_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE jianguan_http_requests_total counter\n");
        for ((m, r, s), n) in self.requests.lock().expect("metrics lock").iter() {
            out.push_str(&format!(
                "jianguan_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}\n",
                esc(m),
                esc(r)
            ));
        }
        out.push_str("# HELP jianguan_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE jianguan_http_request_duration_seconds histogram\n");
        for (r, s) in self.latency.lock().expect("metrics lock").iter() {
            let r = esc(r);
            for (i, b) in BUCKETS.iter().enumerate() {
                out.push_str(&format!(
                    "jianguan_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}\n",
                    s.buckets[i]
                ));
            }
            out.push_str(&format!(
                "jianguan_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}\n",
                s.count
            ));
            out.push_str(&format!("jianguan_http_request_duration_seconds_sum{{route=\"{r}\"}} {}\n", s.sum));
            out.push_str(&format!("jianguan_http_request_duration_seconds_count{{route=\"{r}\"}} {}\n", s.count));
        }
        out
    }
}

pub async fn track(State(state): State<crate::AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "<unmatched>".into());
    let resp = next.run(req).await;
    state.metrics.observe(&method, &route, resp.status().as_u16(), start.elapsed().as_secs_f64());
    resp
}
