//! An attendee: one per (conference, user), created when an order is paid, with
//! its check-ins, door checks and product redemptions (SPEC ATT-*). The stream id
//! is [`attendee_id`], so uniqueness per (conference, user) is the stream's own.

mod commands;
mod errors;
mod events;
mod model;
mod products;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::AttendeeCommand;
pub use errors::AttendeeError;
pub use events::AttendeeEvent;
pub use model::{
    AttendeeOrder, AttendeeProduct, CheckInRecord, DoorCheckRecord, GENERAL_ADMISSION,
    ProductBalance, Redemption, is_valid_access_code,
};

use crate::pricing::ProductRef;
use crate::{DomainServices, Timestamp};

/// The stream id of the attendee of `user` at `conference`.
pub fn attendee_id(conference: Uuid, user: Uuid) -> Uuid {
    crate::natural_id("attendee", &format!("{conference}/{user}"))
}

/// The order status label of an attendee whose orders were all refunded (ATT-12).
const REFUNDED: &str = "Refunded";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Attendee {
    registered: bool,
    conference_id: Uuid,
    user: Uuid,
    access_code: String,
    /// Paid orders in the order they were registered; the last active one is current.
    orders: Vec<AttendeeOrder>,
    checked_in_at: Option<Timestamp>,
    check_ins: Vec<CheckInRecord>,
    door_checks: Vec<DoorCheckRecord>,
    redemptions: Vec<Redemption>,
}

impl Attendee {
    pub fn exists(&self) -> bool {
        self.registered
    }
    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }
    pub fn user(&self) -> Uuid {
        self.user
    }
    pub fn access_code(&self) -> &str {
        &self.access_code
    }
    /// Every order ever registered, removed ones included.
    pub fn orders(&self) -> &[AttendeeOrder] {
        &self.orders
    }
    /// ATT-3: the latest paid order that was not fully refunded.
    pub fn current_order(&self) -> Option<Uuid> {
        self.active_orders().next_back().map(|o| o.order_id)
    }
    /// ATT-3: true once an order was paid (it stays true).
    pub fn completed_registration(&self) -> bool {
        !self.orders.is_empty()
    }
    /// ATT-12: an attendee with a paid (not fully refunded) order may check in.
    pub fn is_eligible(&self) -> bool {
        self.current_order().is_some()
    }
    pub fn checked_in(&self) -> bool {
        self.checked_in_at.is_some()
    }
    /// ATT-13: the time of the first check-in only.
    pub fn checked_in_at(&self) -> Option<Timestamp> {
        self.checked_in_at
    }
    pub fn check_ins(&self) -> &[CheckInRecord] {
        &self.check_ins
    }
    pub fn door_checks(&self) -> &[DoorCheckRecord] {
        &self.door_checks
    }
    pub fn redemptions(&self) -> &[Redemption] {
        &self.redemptions
    }

    fn check_eligible(&self) -> Result<(), AttendeeError> {
        if self.is_eligible() {
            Ok(())
        } else {
            Err(AttendeeError::OrderNotEligible(REFUNDED.to_string()))
        }
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: AttendeeCommand,
        now: Timestamp,
    ) -> Result<Vec<AttendeeEvent>, AttendeeError> {
        use AttendeeCommand::*;
        use AttendeeEvent::*;
        if !self.registered {
            return match cmd {
                Register {
                    conference_id,
                    user,
                    order_id,
                    access_code,
                    products,
                } => {
                    if !is_valid_access_code(&access_code) {
                        return Err(AttendeeError::InvalidAccessCode);
                    }
                    Ok(vec![
                        AttendeeRegistered {
                            conference_id,
                            user,
                            access_code,
                            at: now,
                        },
                        AttendeeOrderAdded {
                            order_id,
                            products,
                            at: now,
                        },
                    ])
                }
                _ => Err(AttendeeError::NotFound),
            };
        }
        Ok(match cmd {
            Register {
                conference_id,
                user,
                ..
            } if conference_id != self.conference_id || user != self.user => {
                return Err(AttendeeError::IdentityMismatch);
            }
            // ATT-2: the code is kept; a known order (even a removed one) is a no-op.
            Register { order_id, .. } if self.orders.iter().any(|o| o.order_id == order_id) => {
                vec![]
            }
            Register {
                order_id, products, ..
            } => vec![AttendeeOrderAdded {
                order_id,
                products,
                at: now,
            }],
            RemoveOrder { order_id } => {
                let active = self.active_orders().any(|o| o.order_id == order_id);
                if active {
                    vec![AttendeeOrderRemoved { order_id, at: now }]
                } else {
                    vec![]
                }
            }
            CheckIn { station, by, note } => {
                self.check_eligible()?;
                let number = u32::try_from(self.check_ins.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(1);
                vec![AttendeeCheckedIn {
                    number,
                    station,
                    by,
                    note,
                    at: now,
                }]
            }
            DoorCheck {
                product,
                station,
                by,
            } => {
                if self.held(&product) > 0 {
                    vec![DoorCheckPassed {
                        product,
                        station,
                        by,
                        at: now,
                    }]
                } else {
                    vec![DoorCheckDenied {
                        product,
                        station,
                        by,
                        at: now,
                    }]
                }
            }
            Redeem {
                product,
                quantity,
                station,
                by,
            } => {
                self.check_redeemable(&product, quantity)?;
                vec![ProductRedeemed {
                    product,
                    quantity,
                    station,
                    by,
                    at: now,
                }]
            }
        })
    }

    /// ATT-20, ATT-21: an eligible order, a held product, enough left.
    fn check_redeemable(&self, product: &ProductRef, quantity: u32) -> Result<(), AttendeeError> {
        self.check_eligible()?;
        if quantity == 0 {
            return Err(AttendeeError::InvalidQuantity);
        }
        let held = self.held(product);
        if held == 0 {
            return Err(AttendeeError::ProductNotInOrder);
        }
        let redeemed = self.redeemed(product);
        let remaining = held.saturating_sub(redeemed);
        if remaining == 0 {
            return Err(AttendeeError::FullyRedeemed {
                name: self.name_of(product),
                redeemed,
                quantity: held,
            });
        }
        if quantity > remaining {
            return Err(AttendeeError::ExceedsRemaining {
                name: self.name_of(product),
                remaining,
                requested: quantity,
            });
        }
        Ok(())
    }

    fn evolve(&mut self, event: AttendeeEvent) {
        use AttendeeEvent::*;
        match event {
            AttendeeRegistered {
                conference_id,
                user,
                access_code,
                ..
            } => {
                self.registered = true;
                self.conference_id = conference_id;
                self.user = user;
                self.access_code = access_code;
            }
            AttendeeOrderAdded {
                order_id,
                products,
                at,
            } => self.orders.push(AttendeeOrder {
                order_id,
                products,
                registered_at: at,
                removed: false,
            }),
            AttendeeOrderRemoved { order_id, .. } => {
                for order in self.orders.iter_mut().filter(|o| o.order_id == order_id) {
                    order.removed = true;
                }
            }
            e @ AttendeeCheckedIn { .. } => {
                if let Some(scan) = e.into_check_in() {
                    self.checked_in_at.get_or_insert(scan.at);
                    self.check_ins.push(scan);
                }
            }
            DoorCheckPassed {
                product,
                station,
                by,
                at,
            } => self.door_checks.push(DoorCheckRecord {
                product,
                station,
                by,
                admitted: true,
                at,
            }),
            DoorCheckDenied {
                product,
                station,
                by,
                at,
            } => self.door_checks.push(DoorCheckRecord {
                product,
                station,
                by,
                admitted: false,
                at,
            }),
            ProductRedeemed {
                product,
                quantity,
                station,
                by,
                at,
            } => self.redemptions.push(Redemption {
                product,
                quantity,
                station,
                by,
                at,
            }),
        }
    }
}

impl Aggregate for Attendee {
    const TYPE: &'static str = "attendee";
    type Command = AttendeeCommand;
    type Event = AttendeeEvent;
    type Error = AttendeeError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}
