//! The stand-in of the Cache API: `caches.default` and caches by name, each a map from URL to
//! the response put there (what the platform refuses to keep, it refuses here too).

use super::TestResponse;
use std::collections::{BTreeMap, HashMap};
use std::string::String;

/// Every cache of a test: the default one (`None`) and those opened by name.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    by_name: HashMap<Option<String>, BTreeMap<String, TestResponse>>,
}

impl Caches {
    /// `cache.put(url, response)`: kept unless its `cache-control` says `no-store` or
    /// `private` (as the platform's cache does); a partial response or `vary: *` is refused.
    pub(crate) fn put(&mut self, cache: &Option<String>, url: &str, response: TestResponse) -> Result<(), String> {
        if response.status == 206 {
            return Err("Cannot cache response to a range request (206 Partial Content).".into());
        }
        if response.header("vary").is_some_and(|v| v.trim() == "*") {
            return Err("Cannot cache response with 'Vary: *' header.".into());
        }
        let control = response
            .header("cache-control")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if control.contains("no-store") || control.contains("private") {
            return Ok(());
        }
        self.by_name
            .entry(cache.clone())
            .or_default()
            .insert(url.into(), response);
        Ok(())
    }

    /// `cache.match(url)`.
    pub(crate) fn get(&self, cache: &Option<String>, url: &str) -> Option<TestResponse> {
        self.by_name.get(cache)?.get(url).cloned()
    }

    /// `cache.delete(url)`: whether there was a response.
    pub(crate) fn delete(&mut self, cache: &Option<String>, url: &str) -> bool {
        self.by_name.get_mut(cache).is_some_and(|c| c.remove(url).is_some())
    }
}
