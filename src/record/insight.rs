//! Directory Insights event names: one table for the events of outbound
//! provisioning [C], the inbound API's lane, and jcsim's own requests that
//! JumpCloud reports no event for. Exchanges record the name as text.

macro_rules! insights {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A Directory Insights event (or jcsim's name for a request without one).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Insight {
            $($(#[$doc])* $variant,)*
        }

        impl Insight {
            /// Every event, in table order.
            pub const ALL: &[Insight] = &[$(Insight::$variant,)*];

            /// The name shown in Directory Insights and in the timeline.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Insight::$variant => $name,)*
                }
            }
        }
    };
}

insights! {
    UserCreate = "user_create_provision",
    UserUpdate = "user_update_provision",
    UserDeprovision = "user_deprovision",
    UserDelete = "user_delete_provision",
    UserLookup = "user_lookup_provision",
    GroupCreate = "group_create_provision",
    GroupUpdate = "group_update_provision",
    GroupDelete = "group_delete_provision",
    GroupLookup = "group_lookup_provision",
    /// Test Connection (no JumpCloud event).
    TestConnection = "test_connection",
    /// jcsim's read-back (`verify`).
    Verify = "jcsim_verify",
    /// jcsim's conformance probes (`verify`).
    Probe = "jcsim_probe",
    /// A raw `request` step.
    Raw = "jcsim_request",
    /// jcsim's cleanup of what a run created at an external SP.
    Cleanup = "jcsim_cleanup",
    /// An identity source looks users up in JumpCloud (inbound API).
    InboundUserLookup = "inbound_user_lookup",
    InboundUserCreate = "inbound_user_create",
    InboundUserUpdate = "inbound_user_update",
    InboundUserDelete = "inbound_user_delete",
    /// Group requests to the inbound API, which JumpCloud refuses.
    InboundGroupRefused = "inbound_group_refused",
    /// Discovery endpoints of the inbound API.
    InboundDiscovery = "inbound_discovery",
    InboundOther = "inbound_other",
    /// A request captured by `jcsim proxy` whose shape matches no event.
    Unclassified = "unclassified",
}

/// The header that marks a request jcsim sends for its own purposes (a
/// read-back, a probe, cleanup, a raw `request` step, another knob form):
/// JumpCloud never sends these, so `jcsim proxy` and `jcsim compare` tell
/// them from JumpCloud's traffic by it.
pub const PURPOSE_HEADER: &str = "Jcsim-Purpose";

impl Insight {
    /// Look an event up by its name.
    pub fn from_name(name: &str) -> Option<Insight> {
        Insight::ALL.iter().copied().find(|i| i.name() == name)
    }

    /// The [`PURPOSE_HEADER`] value of a request recorded under this event,
    /// when it is jcsim's own.
    pub fn purpose(self) -> Option<&'static str> {
        match self {
            Insight::Verify => Some("verify"),
            Insight::Probe => Some("probe"),
            Insight::Raw => Some("request"),
            Insight::Cleanup => Some("cleanup"),
            _ => None,
        }
    }

    /// The event of a request that carried [`PURPOSE_HEADER`] with `value`.
    pub fn from_purpose(value: &str) -> Option<Insight> {
        [Insight::Verify, Insight::Probe, Insight::Raw, Insight::Cleanup]
            .into_iter()
            .find(|i| i.purpose().is_some_and(|p| p.eq_ignore_ascii_case(value.trim())))
    }

    /// An inbound API event that changes the directory.
    pub(crate) fn is_inbound_write(self) -> bool {
        matches!(self, Insight::InboundUserCreate | Insight::InboundUserUpdate | Insight::InboundUserDelete)
    }
}

#[cfg(test)]
mod tests {
    use super::Insight;

    #[test]
    fn names_are_unique() {
        let names: std::collections::BTreeSet<&str> = Insight::ALL.iter().map(|i| i.name()).collect();
        assert_eq!(names.len(), Insight::ALL.len());
    }

    #[test]
    fn purposes_round_trip_and_only_jcsim_events_have_one() {
        for i in Insight::ALL {
            match i.purpose() {
                Some(p) => assert_eq!(Insight::from_purpose(p), Some(*i)),
                None => assert!(!i.name().starts_with("jcsim_"), "{i:?}"),
            }
        }
        assert_eq!(Insight::from_purpose(" Verify "), Some(Insight::Verify));
        assert_eq!(Insight::from_purpose("form"), None);
        assert_eq!(Insight::from_name("user_create_provision"), Some(Insight::UserCreate));
    }
}
