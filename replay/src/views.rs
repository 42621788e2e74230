//! The registry of projections, behind one object-safe trait so the runner can
//! feed them all from one pass over the log.

use std::collections::BTreeMap;

use tessera_projections::activity_roster::ActivityRoster;
use tessera_projections::attendees::Attendees;
use tessera_projections::badges::Badges;
use tessera_projections::bulk_purchases::BulkPurchases;
use tessera_projections::carts_funnel::CartsFunnel;
use tessera_projections::conference_catalog::ConferenceCatalog;
use tessera_projections::credits::Credits;
use tessera_projections::fundraising::Fundraising;
use tessera_projections::messages::Messages;
use tessera_projections::orders::Orders;
use tessera_projections::program::ProgramView;
use tessera_projections::purchase_orders::PurchaseOrders;
use tessera_projections::sales::Sales;
use tessera_projections::sponsors::Sponsors;
use tessera_projections::stats_archive::StatsArchive;
use tessera_projections::surveys::Surveys;
use tessera_projections::travel_grants::TravelGrants;
use tessera_projections::user_directory::UserDirectory;
use tessera_projections::visa_letters::VisaLetters;
use tessera_projections::volunteers::Volunteers;
use tessera_projections::webhooks::Webhooks;
use tessera_projections::{Envelope, Projection, Rows};

/// A projection with its rows in memory.
pub trait View: Send + Sync {
    fn name(&self) -> &'static str;
    fn version(&self) -> u32;
    fn apply(&mut self, env: &Envelope);
    /// Rows changed since the last call, serialized: `None` means deleted.
    fn take_changes(&mut self) -> Result<Vec<(String, Option<String>)>, serde_json::Error>;
    /// Replaces the rows with stored ones.
    fn load(&mut self, rows: Vec<(String, String)>) -> Result<(), serde_json::Error>;
    /// Every row as JSON, for comparisons.
    fn documents(&self) -> Result<BTreeMap<String, serde_json::Value>, serde_json::Error>;
    /// The rows whose key starts with `prefix`, as JSON, in key order (what the
    /// statistics read of a folded view: only those rows are serialized).
    fn documents_in(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error>;
    /// An empty view of the same projection.
    fn fresh(&self) -> Box<dyn View>;
}

pub struct ViewOf<P: Projection>(Rows<P::Row>);

impl<P: Projection> Default for ViewOf<P> {
    fn default() -> Self {
        Self(Rows::default())
    }
}

impl<P: Projection> View for ViewOf<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn version(&self) -> u32 {
        P::VERSION
    }

    fn apply(&mut self, env: &Envelope) {
        P::apply(&mut self.0, env)
    }

    fn take_changes(&mut self) -> Result<Vec<(String, Option<String>)>, serde_json::Error> {
        self.0
            .take_changes()
            .into_iter()
            .map(|(k, row)| Ok((k, row.map(|r| serde_json::to_string(&r)).transpose()?)))
            .collect()
    }

    fn load(&mut self, rows: Vec<(String, String)>) -> Result<(), serde_json::Error> {
        let mut map = BTreeMap::new();
        for (k, doc) in rows {
            map.insert(k, serde_json::from_str(&doc)?);
        }
        self.0 = Rows::from_stored(map);
        Ok(())
    }

    fn documents(&self) -> Result<BTreeMap<String, serde_json::Value>, serde_json::Error> {
        self.0
            .iter()
            .map(|(k, r)| Ok((k.clone(), serde_json::to_value(r)?)))
            .collect()
    }

    fn documents_in(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error> {
        self.0
            .with_prefix(prefix)
            .map(|(k, r)| Ok((k.clone(), serde_json::to_value(r)?)))
            .collect()
    }

    fn fresh(&self) -> Box<dyn View> {
        Box::new(Self::default())
    }
}

/// Every projection of this build, fresh.
pub fn all_views() -> Vec<Box<dyn View>> {
    vec![
        Box::new(ViewOf::<ActivityRoster>::default()),
        Box::new(ViewOf::<ConferenceCatalog>::default()),
        Box::new(ViewOf::<UserDirectory>::default()),
        Box::new(ViewOf::<Orders>::default()),
        Box::new(ViewOf::<Credits>::default()),
        Box::new(ViewOf::<Sales>::default()),
        Box::new(ViewOf::<Attendees>::default()),
        Box::new(ViewOf::<CartsFunnel>::default()),
        Box::new(ViewOf::<PurchaseOrders>::default()),
        Box::new(ViewOf::<Volunteers>::default()),
        Box::new(ViewOf::<StatsArchive>::default()),
        Box::new(ViewOf::<Sponsors>::default()),
        Box::new(ViewOf::<Fundraising>::default()),
        Box::new(ViewOf::<BulkPurchases>::default()),
        Box::new(ViewOf::<TravelGrants>::default()),
        Box::new(ViewOf::<VisaLetters>::default()),
        Box::new(ViewOf::<Webhooks>::default()),
        Box::new(ViewOf::<Messages>::default()),
        Box::new(ViewOf::<Surveys>::default()),
        Box::new(ViewOf::<Badges>::default()),
        Box::new(ViewOf::<ProgramView>::default()),
    ]
}

/// The names of every projection of this build.
pub fn view_names() -> Vec<&'static str> {
    all_views().iter().map(|v| v.name()).collect()
}
