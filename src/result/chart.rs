//! A chart as a cell's result: the finished [`chart::Chart`] (data already aggregated or
//! sampled while rows streamed) and where it came from.

use super::Provenance;

#[derive(Debug, Clone)]
pub struct ChartResult {
    pub chart: chart::Chart,
    pub provenance: Provenance,
}
