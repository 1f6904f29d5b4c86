//! Outreach: closures declared, edited and cancelled with their audit entries; broadcasts (who
//! is in the audience, hand-off to the outbox exactly once, pause and cancel, the feeders'
//! leases) and opt-outs.

use crate::fixtures::{at, date, family, person, seeded, world, World};
use crate::harness::{story, Harness};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jkn::{Segment, Sex};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use store::{
    Audience, AuditQuery, Broadcast, BroadcastId, BroadcastKind, BroadcastProgress, BroadcastQuery,
    BroadcastRecipient, BroadcastState, BroadcastStateChange, Claim, ClosureEdit, ClosureId,
    ConversationRecord, Family, HandOff, NewAudit, NewBroadcast, NewClosure, NewInboxEvent,
    NewOutbound, OfficeId, OutboxFilter, OutboxState, Participant, ParticipantId, ProcessedEvent,
    Relation, SendOutcome, Store, StoreError, StoredRequest,
};

const WA: &str = "whatsapp";
const TG: &str = "telegram";
const MS: &str = "messenger";
const CHANNELS: [&str; 3] = [WA, TG, MS];

/// A minute of the morning of 23 November 2026 (UTC).
fn t(m: i64) -> DateTime<Utc> {
    at(2026, 11, 23, 2, 0) + Duration::minutes(m)
}

fn audit(action: &str, m: i64) -> NewAudit {
    NewAudit {
        at: t(m),
        agent_id: None,
        action: action.into(),
        participant_id: None,
        case_id: None,
        detail: format!("{action} oleh kepala cabang"),
    }
}

async fn actions(db: &Harness) -> Vec<String> {
    let query = AuditQuery {
        limit: 1000,
        ..AuditQuery::default()
    };
    let entries = db.store.audit_entries(&query).await.unwrap();
    entries.into_iter().map(|e| e.action).collect()
}

// ---- closures -------------------------------------------------------------------------------

fn closure(office: i64, first_day: u32, last_day: u32, reason: &str) -> NewClosure {
    NewClosure {
        office_id: OfficeId(office),
        starts_at: at(2026, 12, first_day, 1, 0),
        ends_at: at(2026, 12, last_day, 9, 0),
        reason: reason.into(),
        message: format!("Kantor cabang tutup: {reason}"),
        alternatives: vec!["Mobile JKN".into(), "PANDAWA 08118165165".into()],
        created_at: t(0),
        created_by: "kepala.jember".into(),
    }
}

async fn a_closure_is_declared_edited_and_cancelled_with_its_audit(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let renovation = db
        .store
        .declare_closure(closure(1, 1, 3, "renovasi"), audit("closure_declare", 0))
        .await
        .unwrap();
    assert_eq!(renovation.cancelled_at, None);
    assert_eq!(renovation.reason, "renovasi");
    assert_eq!(
        db.store.closure(renovation.id).await.unwrap().as_ref(),
        Some(&renovation)
    );
    let flood = db
        .store
        .declare_closure(closure(1, 10, 11, "banjir"), audit("closure_declare", 1))
        .await
        .unwrap();
    let surabaya = db
        .store
        .declare_closure(
            closure(2, 1, 2, "listrik padam"),
            audit("closure_declare", 2),
        )
        .await
        .unwrap();
    assert_eq!(actions(db).await, ["closure_declare"; 3]);

    let edit = ClosureEdit {
        id: renovation.id,
        starts_at: at(2026, 12, 2, 1, 0),
        ends_at: at(2026, 12, 4, 9, 0),
        reason: "renovasi gedung".into(),
        message: "Tutup untuk renovasi gedung".into(),
        alternatives: vec!["Mobile JKN".into()],
    };
    let edited = db
        .store
        .update_closure(edit.clone(), audit("closure_edit", 3))
        .await
        .unwrap();
    let expected = store::Closure {
        starts_at: edit.starts_at,
        ends_at: edit.ends_at,
        reason: edit.reason.clone(),
        message: edit.message.clone(),
        alternatives: edit.alternatives.clone(),
        ..renovation.clone()
    };
    assert_eq!(edited, expected);
    assert_eq!(
        db.store.closure(renovation.id).await.unwrap(),
        Some(expected)
    );

    // The console's list: newest start first, cancelled or not, not ended by `after`.
    let list = |after: DateTime<Utc>, limit: u32| {
        let store = db.store.clone();
        async move {
            store
                .office_closures(OfficeId(1), after, limit)
                .await
                .unwrap()
        }
    };
    let before = at(2026, 11, 30, 0, 0);
    assert_eq!(list(before, 10).await, [flood.clone(), edited.clone()]);
    assert_eq!(list(before, 1).await, std::slice::from_ref(&flood));
    assert_eq!(
        list(at(2026, 12, 5, 0, 0), 10).await,
        std::slice::from_ref(&flood)
    );

    let cancelled = db
        .store
        .cancel_closure(flood.id, t(5), audit("closure_cancel", 5))
        .await
        .unwrap();
    assert_eq!(cancelled.cancelled_at, Some(t(5)));
    assert_eq!(
        actions(db).await,
        [
            "closure_declare",
            "closure_declare",
            "closure_declare",
            "closure_edit",
            "closure_cancel"
        ]
    );
    // Cancelling again keeps the first time.
    let again = db
        .store
        .cancel_closure(flood.id, t(9), audit("closure_cancel", 9))
        .await
        .unwrap();
    assert_eq!(again.cancelled_at, Some(t(5)));
    assert_eq!(
        db.store.closure(flood.id).await.unwrap(),
        Some(cancelled.clone())
    );

    // What participants are told hides the cancelled closure; the console still lists it.
    assert_eq!(
        db.store.closures(OfficeId(1), before).await.unwrap(),
        std::slice::from_ref(&edited)
    );
    assert_eq!(list(before, 10).await, [cancelled.clone(), edited.clone()]);
    assert_eq!(
        db.store.closures(OfficeId(2), before).await.unwrap(),
        [surabaya]
    );

    // A refused change stores nothing, its audit entry included.
    let logged = actions(db).await.len();
    let result = db
        .store
        .update_closure(
            ClosureEdit {
                id: flood.id,
                ..edit.clone()
            },
            audit("closure_edit", 10),
        )
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert_eq!(db.store.closure(flood.id).await.unwrap(), Some(cancelled));
    let result = db
        .store
        .update_closure(
            ClosureEdit {
                id: ClosureId(999),
                ..edit
            },
            audit("closure_edit", 10),
        )
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    let result = db
        .store
        .cancel_closure(ClosureId(999), t(10), audit("closure_cancel", 10))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    let result = db
        .store
        .declare_closure(
            closure(9, 1, 2, "kantor fiktif"),
            audit("closure_declare", 10),
        )
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert_eq!(actions(db).await.len(), logged);
    assert_eq!(db.store.closure(ClosureId(999)).await.unwrap(), None);
}
story!(a_closure_is_declared_edited_and_cancelled_with_its_audit);

// ---- the broadcasts' world ------------------------------------------------------------------

/// The small world plus participants in Bondowoso (served from Jember), Lumajang (East Java,
/// another branch) and Jakarta, their conversations on the messaging channels, and opt-outs.
struct Town {
    world: World,
    participants: Vec<Participant>,
    conversations: Vec<ConversationRecord>,
    /// (channel, address) opted out when broadcasts are created.
    opted_out: BTreeSet<(String, String)>,
    agus: Participant,
    wati: Participant,
}

const BUDI_WA: &str = "6281234567890";
const AGUS_WA: &str = "6281311112222";
const WATI_WA: &str = "6281344445555";
const SLAMET_WA: &str = "6281377778888";
const DEWI_WA: &str = "6285712345678";

fn chat(channel: &str, sender: &str, participant: Option<ParticipantId>) -> ConversationRecord {
    ConversationRecord {
        channel: channel.into(),
        sender: sender.into(),
        state: json!({"flow": null}),
        status: "bot".into(),
        participant_id: participant,
        updated_at: t(-120),
    }
}

/// A family of one outside the small world, so that an area it lies in gains exactly its
/// head's mobile number.
#[allow(clippy::too_many_arguments)]
fn household(
    family_id: i64,
    district: u32,
    id: i64,
    name: &str,
    sex: Sex,
    birth: NaiveDate,
    serial: u16,
    mobile: &str,
) -> (Family, Participant) {
    let f = family(family_id, Segment::Pbpu, district);
    let head = person(
        id,
        &f,
        Relation::Kepala,
        name,
        sex,
        birth,
        serial,
        Some(mobile),
    );
    (f, head)
}

async fn town(store: &dyn Store) -> Town {
    let mut w = world();
    // Siti shares her husband's phone: one message for the household.
    w.siti.phone = w.budi.phone.clone();
    for p in &mut w.batch.participants {
        if p.id == w.siti.id {
            p.phone = w.siti.phone.clone();
        }
    }
    let (bondowoso, agus) = household(
        13,
        351101,
        130,
        "Agus Salim",
        Sex::Laki,
        date(1979, 2, 3),
        7,
        "081311112222",
    );
    let (lumajang, wati) = household(
        14,
        350801,
        140,
        "Wati Susilawati",
        Sex::Perempuan,
        date(1991, 8, 9),
        8,
        "081344445555",
    );
    let (jakarta, rahmat) = household(
        15,
        317101,
        150,
        "Rahmat Hidayat",
        Sex::Laki,
        date(1975, 4, 30),
        9,
        "081366667777",
    );
    w.batch.families.extend([bondowoso, lumajang, jakarta]);
    w.batch
        .participants
        .extend([agus.clone(), wati.clone(), rahmat.clone()]);
    store.import(w.batch.clone()).await.unwrap();
    store.finish_import().await.unwrap();

    let conversations = vec![
        // The same address as his mobile number: still one recipient.
        chat(WA, BUDI_WA, Some(w.budi.id)),
        chat(TG, "70001", Some(w.anak.id)),
        chat(MS, "psid-130", Some(agus.id)),
        // Slamet has no mobile number on record but talks to us from this one.
        chat(WA, SLAMET_WA, Some(w.tetangga.id)),
        // Not a channel a broadcast goes out on.
        chat("webchat", "browser-9", Some(w.putri.id)),
        // Not verified: nobody to place in an area.
        chat(TG, "70002", None),
        chat(TG, "70003", Some(w.pekerja.id)),
        chat(TG, "70004", Some(rahmat.id)),
    ];
    for c in &conversations {
        store.save_conversation(c).await.unwrap();
    }
    // Agus said STOP; Wati said STOP and then MULAI; 70001 only ever said MULAI.
    store.set_opt_out(WA, AGUS_WA, true, t(-30)).await.unwrap();
    store.set_opt_out(WA, WATI_WA, true, t(-30)).await.unwrap();
    store.set_opt_out(WA, WATI_WA, false, t(-20)).await.unwrap();
    store.set_opt_out(TG, "70001", false, t(-20)).await.unwrap();

    Town {
        participants: w.batch.participants.clone(),
        conversations,
        opted_out: BTreeSet::from([(WA.to_string(), AGUS_WA.to_string())]),
        agus,
        wati,
        world: w,
    }
}

/// The audience as the contract defines it, computed from the town's data: (channel, address)
/// to the smallest participant id reaching it.
fn expected_audience(
    town: &Town,
    in_area: impl Fn(u32) -> bool,
) -> BTreeSet<(String, String, i64)> {
    let district: BTreeMap<ParticipantId, u32> = town
        .participants
        .iter()
        .map(|p| (p.id, p.district_code))
        .collect();
    let mut reach: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut add = |channel: &str, address: &str, id: ParticipantId| {
        let slot = reach
            .entry((channel.to_string(), address.to_string()))
            .or_insert(id.0);
        *slot = (*slot).min(id.0);
    };
    for p in &town.participants {
        if let (Some(phone), true) = (&p.phone, in_area(p.district_code)) {
            add(WA, phone.expose(), p.id);
        }
    }
    for c in &town.conversations {
        if let Some(id) = c.participant_id {
            if CHANNELS.contains(&c.channel.as_str()) && in_area(district[&id]) {
                add(&c.channel, &c.sender, id);
            }
        }
    }
    reach
        .into_iter()
        .filter(|(key, _)| !town.opted_out.contains(key))
        .map(|((channel, address), id)| (channel, address, id))
        .collect()
}

fn notice(audience: Audience, office: Option<i64>, m: i64) -> NewBroadcast {
    NewBroadcast {
        kind: BroadcastKind::Notice,
        office_id: office.map(OfficeId),
        audience,
        title: "Antrean online baru".into(),
        text: "Kini antre di kantor cabang bisa lewat Mobile JKN.".into(),
        template_params: vec!["antrean online".into(), "Mobile JKN".into()],
        created_by: "admin.pusat".into(),
        created_at: t(m),
        audit: audit("broadcast_create", m),
    }
}

async fn waiting(store: &dyn Store, id: BroadcastId, channel: &str) -> Vec<BroadcastRecipient> {
    store.broadcast_waiting(id, channel, 1000).await.unwrap()
}

/// Every waiting recipient of every channel, checking that `seq` numbers them 1..n.
async fn all_waiting(store: &dyn Store, id: BroadcastId) -> Vec<BroadcastRecipient> {
    let mut all = Vec::new();
    for channel in CHANNELS {
        let rows = waiting(store, id, channel).await;
        assert!(
            rows.windows(2).all(|w| w[0].seq < w[1].seq),
            "lowest seq first: {rows:?}"
        );
        assert!(rows
            .iter()
            .all(|r| r.channel == channel && r.broadcast_id == id));
        all.extend(rows);
    }
    all
}

async fn check_audience(
    db: &Harness,
    town: &Town,
    audience: Audience,
    in_area: impl Fn(u32) -> bool,
    size: usize,
) -> Broadcast {
    let expected = expected_audience(town, in_area);
    assert_eq!(expected.len(), size, "the fixture itself: {expected:?}");
    let created = db
        .store
        .create_broadcast(notice(audience.clone(), None, 0))
        .await
        .unwrap();
    assert_eq!(created.total, size as u64, "{audience:?}");
    assert_eq!(created.state, BroadcastState::Sending);
    assert_eq!(
        db.store.broadcast(created.id).await.unwrap().as_ref(),
        Some(&created)
    );
    let rows = all_waiting(db.store.as_ref(), created.id).await;
    let got: BTreeSet<(String, String, i64)> = rows
        .iter()
        .map(|r| {
            let id = r
                .participant_id
                .unwrap_or_else(|| panic!("no participant: {r:?}"));
            (r.channel.clone(), r.address.clone(), id.0)
        })
        .collect();
    assert_eq!(got, expected, "{audience:?}");
    let seqs: BTreeSet<u64> = rows.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=size as u64).collect(), "{audience:?}");
    assert!(rows.iter().all(|r| !r.opted_out));
    created
}

async fn the_audience_is_everyone_reachable_in_the_area_once(db: &Harness) {
    let town = town(db.store.as_ref()).await;
    let jember_branch = town.world.batch.offices[0].regencies.clone();
    let office = check_audience(
        db,
        &town,
        Audience::Office {
            office_id: OfficeId(1),
        },
        |d| jember_branch.contains(&((d / 100) as u16)),
        4,
    )
    .await;
    // Spelled out once, so a wrong expectation cannot hide in the computation.
    let rows = all_waiting(db.store.as_ref(), office.id).await;
    let find = |channel: &str, address: &str| {
        rows.iter()
            .find(|r| r.channel == channel && r.address == address)
            .map(|r| r.participant_id)
    };
    assert_eq!(find(WA, BUDI_WA), Some(Some(town.world.budi.id)));
    assert_eq!(find(TG, "70001"), Some(Some(town.world.anak.id)));
    assert_eq!(find(MS, "psid-130"), Some(Some(town.agus.id)));
    assert_eq!(find(WA, SLAMET_WA), Some(Some(town.world.tetangga.id)));
    assert_eq!(find(WA, AGUS_WA), None, "opted out");

    let province = check_audience(
        db,
        &town,
        Audience::Province { code: 35 },
        |d| d / 10_000 == 35,
        7,
    )
    .await;
    let rows = all_waiting(db.store.as_ref(), province.id).await;
    let wati = rows.iter().find(|r| r.address == WATI_WA);
    assert_eq!(
        wati.and_then(|r| r.participant_id),
        Some(town.wati.id),
        "opted in again"
    );
    assert!(rows.iter().any(|r| r.address == DEWI_WA));
    check_audience(db, &town, Audience::Everyone, |_| true, 9).await;
    check_audience(
        db,
        &town,
        Audience::Regencies {
            codes: vec![3508, 3171],
        },
        |d| [3508, 3171].contains(&(d / 100)),
        3,
    )
    .await;
    check_audience(
        db,
        &town,
        Audience::Office {
            office_id: OfficeId(2),
        },
        |d| d / 100 == 3578,
        2,
    )
    .await;

    // Nobody in Aceh: the broadcast is done as soon as it is created.
    let empty = db
        .store
        .create_broadcast(notice(Audience::Regencies { codes: vec![1101] }, None, 1))
        .await
        .unwrap();
    assert_eq!((empty.total, empty.state), (0, BroadcastState::Done));
    assert_eq!(
        db.store.broadcast_progress(empty.id).await.unwrap(),
        BroadcastProgress::default()
    );
    assert_eq!(actions(db).await, ["broadcast_create"; 6]);
    assert_eq!(db.store.broadcast(BroadcastId(999)).await.unwrap(), None);
}
story!(the_audience_is_everyone_reachable_in_the_area_once);

async fn broadcasts_are_listed_newest_first(db: &Harness) {
    town(db.store.as_ref()).await;
    let kind = BroadcastKind::Closure {
        closure_id: db
            .store
            .declare_closure(closure(1, 1, 3, "renovasi"), audit("closure_declare", 0))
            .await
            .unwrap()
            .id,
    };
    let jember = db
        .store
        .create_broadcast(NewBroadcast {
            kind,
            ..notice(
                Audience::Office {
                    office_id: OfficeId(1),
                },
                Some(1),
                1,
            )
        })
        .await
        .unwrap();
    assert_eq!(jember.kind, kind);
    assert_eq!(jember.office_id, Some(OfficeId(1)));
    assert_eq!(jember.created_at, t(1));
    assert_eq!(jember.updated_at, t(1));
    let national = db
        .store
        .create_broadcast(notice(Audience::Everyone, None, 2))
        .await
        .unwrap();
    let surabaya = db
        .store
        .create_broadcast(notice(
            Audience::Office {
                office_id: OfficeId(2),
            },
            Some(2),
            3,
        ))
        .await
        .unwrap();
    let paused = db
        .store
        .set_broadcast_state(BroadcastStateChange {
            id: surabaya.id,
            from: vec![BroadcastState::Sending],
            to: BroadcastState::Paused,
            at: t(4),
            audit: audit("broadcast_pause", 4),
        })
        .await
        .unwrap();
    assert_eq!(paused.state, BroadcastState::Paused);
    assert_eq!(paused.updated_at, t(4));
    assert_eq!(paused.created_at, t(3));

    let list = |office: Option<i64>, state: Option<BroadcastState>, limit: u32| {
        let store = db.store.clone();
        async move {
            store
                .broadcasts(&BroadcastQuery {
                    office_id: office.map(OfficeId),
                    state,
                    limit,
                })
                .await
                .unwrap()
        }
    };
    assert_eq!(
        list(None, None, 10).await,
        [paused.clone(), national.clone(), jember.clone()]
    );
    assert_eq!(
        list(None, None, 2).await,
        [paused.clone(), national.clone()]
    );
    assert_eq!(list(Some(1), None, 10).await, std::slice::from_ref(&jember));
    assert_eq!(
        list(None, Some(BroadcastState::Sending), 10).await,
        [national, jember]
    );
    assert_eq!(
        list(Some(2), Some(BroadcastState::Paused), 10).await,
        [paused]
    );
    assert_eq!(list(Some(2), Some(BroadcastState::Done), 10).await, []);
}
story!(broadcasts_are_listed_newest_first);

// ---- hand-off to the outbox ------------------------------------------------------------------

fn message(r: &BroadcastRecipient, m: i64) -> NewOutbound {
    NewOutbound {
        channel: r.channel.clone(),
        recipient: r.address.clone(),
        purpose: "broadcast".into(),
        body: "Kini antre di kantor cabang bisa lewat Mobile JKN.".into(),
        created_at: t(m),
        request: Some(StoredRequest {
            path: "/106540352242922/messages".into(),
            body: json!({"to": r.address, "type": "text"}),
        }),
        unsendable: None,
        inbox_id: None,
    }
}

fn send(r: &BroadcastRecipient, m: i64) -> HandOff {
    HandOff {
        seq: r.seq,
        outbound: Some(message(r, m)),
    }
}

fn claim_at(m: i64) -> Claim {
    Claim {
        now: t(m),
        lease_until: t(m) + Duration::seconds(30),
        in_doubt_before: t(m) - Duration::hours(1),
        limit: 50,
    }
}

fn change(
    id: BroadcastId,
    from: &[BroadcastState],
    to: BroadcastState,
    m: i64,
) -> BroadcastStateChange {
    BroadcastStateChange {
        id,
        from: from.to_vec(),
        to,
        at: t(m),
        audit: audit(&format!("broadcast_{}", to.as_str()), m),
    }
}

fn sum(p: &BroadcastProgress) -> u64 {
    p.waiting + p.queued + p.sent + p.delivered + p.read + p.failed + p.skipped + p.cancelled
}

async fn recipients_reach_the_outbox_once_and_a_cancel_recalls_the_queue(db: &Harness) {
    use BroadcastState::{Cancelled, Paused, Sending};
    let store = db.store.as_ref();
    town(store).await;
    // Budi wrote an hour ago; the later delivery status is not him writing.
    let inbound = |id: &str, kind: &str, m: i64| NewInboxEvent {
        channel: WA.into(),
        provider_id: id.into(),
        conversation: BUDI_WA.into(),
        kind: kind.into(),
        payload: json!({"from": BUDI_WA}),
        occurred_at: t(m),
        received_at: t(m),
    };
    let ids = store
        .inbox_append(vec![
            inbound("wamid.1", "message", -60),
            inbound("wamid.0:read", "status", -10),
        ])
        .await
        .unwrap();
    for id in ids {
        store
            .commit_processed(ProcessedEvent::marking(id, t(-5)))
            .await
            .unwrap();
    }

    let b = store
        .create_broadcast(notice(Audience::Province { code: 35 }, None, 0))
        .await
        .unwrap();
    assert_eq!(b.total, 7);
    // Slamet says STOP after the broadcast was queued: the feeder sees it and skips him.
    store.set_opt_out(WA, SLAMET_WA, true, t(1)).await.unwrap();

    let wa = waiting(store, b.id, WA).await;
    let addresses: Vec<&str> = wa.iter().map(|r| r.address.as_str()).collect();
    let mut sorted = addresses.clone();
    sorted.sort();
    assert_eq!(sorted, [BUDI_WA, WATI_WA, SLAMET_WA, DEWI_WA]);
    let by_address = |a: &str| wa.iter().find(|r| r.address == a).unwrap().clone();
    let (budi, wati, slamet, dewi) = (
        by_address(BUDI_WA),
        by_address(WATI_WA),
        by_address(SLAMET_WA),
        by_address(DEWI_WA),
    );
    assert_eq!(budi.last_inbound_at, Some(t(-60)));
    assert_eq!(wati.last_inbound_at, None);
    assert!(slamet.opted_out && !budi.opted_out && !dewi.opted_out);
    // What is left after Budi and Wati, in the broadcast's order.
    let rest: Vec<BroadcastRecipient> = wa
        .iter()
        .filter(|r| r.seq == slamet.seq || r.seq == dewi.seq)
        .cloned()
        .collect();
    assert_eq!(
        store.broadcast_waiting(b.id, WA, 2).await.unwrap(),
        wa[..2].to_vec(),
        "the limit keeps the lowest seq"
    );

    // A conversational reply in the outbox is none of the broadcast's business.
    store
        .enqueue_outbound(NewOutbound {
            purpose: "reply".into(),
            ..message(&budi, 2)
        })
        .await
        .unwrap();

    let handed = store
        .hand_off_broadcast(b.id, vec![send(&budi, 5), send(&wati, 5)], t(5))
        .await
        .unwrap();
    assert_eq!(handed, 2);
    // Head of line: Budi's reply goes first, then his broadcast; Wati's goes at once.
    let claimed = store.outbox_claim(WA, claim_at(6)).await.unwrap();
    let claimed: Vec<(&str, &str)> = claimed
        .iter()
        .map(|o| (o.recipient.as_str(), o.purpose.as_str()))
        .collect();
    assert_eq!(claimed, [(BUDI_WA, "reply"), (WATI_WA, "broadcast")]);
    let outbox = |state: Option<OutboxState>| {
        let store = db.store.clone();
        async move {
            store
                .outbox_list(&OutboxFilter {
                    channel: Some(WA.into()),
                    state,
                    limit: 100,
                })
                .await
                .unwrap()
        }
    };
    let broadcast_rows = |rows: Vec<store::Outbound>| {
        rows.into_iter()
            .filter(|o| o.purpose == "broadcast")
            .collect::<Vec<_>>()
    };
    assert_eq!(broadcast_rows(outbox(None).await).len(), 2);

    // A second hand-off of the same recipients (a feeder that lost its lease) does nothing.
    let again = store
        .hand_off_broadcast(b.id, vec![send(&budi, 7), send(&wati, 7)], t(7))
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(broadcast_rows(outbox(None).await).len(), 2);
    assert_eq!(waiting(store, b.id, WA).await, rest);

    // Paused: nothing is handed off, nothing is leased.
    let paused = store
        .set_broadcast_state(change(b.id, &[Sending], Paused, 8))
        .await
        .unwrap();
    assert_eq!(paused.state, Paused);
    assert_eq!(
        store
            .hand_off_broadcast(b.id, vec![send(&dewi, 9)], t(9))
            .await
            .unwrap(),
        0
    );
    assert_eq!(waiting(store, b.id, WA).await, rest);
    assert_eq!(store.sending_broadcasts().await.unwrap(), []);
    let result = store
        .set_broadcast_state(change(b.id, &[Sending], Paused, 9))
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");

    store
        .set_broadcast_state(change(b.id, &[Paused], Sending, 10))
        .await
        .unwrap();
    let handed = store
        .hand_off_broadcast(
            b.id,
            vec![
                HandOff {
                    seq: slamet.seq,
                    outbound: None,
                },
                send(&dewi, 11),
            ],
            t(11),
        )
        .await
        .unwrap();
    assert_eq!(handed, 1);
    assert_eq!(waiting(store, b.id, WA).await, []);

    // Budi's reply is sent, which lets his broadcast be claimed; it is then sent too.
    let replies = outbox(Some(OutboxState::Sending)).await;
    let reply = replies.iter().find(|o| o.purpose == "reply").unwrap();
    store
        .outbox_complete(
            reply.id,
            SendOutcome::Sent {
                provider_message_id: None,
            },
            t(12),
        )
        .await
        .unwrap();
    let claimed = store.outbox_claim(WA, claim_at(12)).await.unwrap();
    let claimed: BTreeSet<&str> = claimed.iter().map(|o| o.recipient.as_str()).collect();
    assert_eq!(claimed, BTreeSet::from([BUDI_WA, DEWI_WA]));
    let budi_row = broadcast_rows(outbox(Some(OutboxState::Sending)).await)
        .into_iter()
        .find(|o| o.recipient == BUDI_WA)
        .unwrap();
    store
        .outbox_complete(
            budi_row.id,
            SendOutcome::Sent {
                provider_message_id: None,
            },
            t(13),
        )
        .await
        .unwrap();
    // Dewi's attempt fails transiently: queued again, so a cancel still recalls it.
    let dewi_row = broadcast_rows(outbox(Some(OutboxState::Sending)).await)
        .into_iter()
        .find(|o| o.recipient == DEWI_WA)
        .unwrap();
    store
        .outbox_complete(
            dewi_row.id,
            SendOutcome::Retry {
                at: t(20),
                code: Some("131000".into()),
                reason: "try again".into(),
            },
            t(13),
        )
        .await
        .unwrap();

    let progress = store.broadcast_progress(b.id).await.unwrap();
    assert_eq!(
        progress,
        BroadcastProgress {
            total: 7,
            waiting: 3, // two on Telegram, one on Messenger
            queued: 2,  // Wati (being sent), Dewi (queued for a retry)
            sent: 1,
            skipped: 1,
            ..BroadcastProgress::default()
        }
    );

    let cancelled = store
        .set_broadcast_state(change(b.id, &[Sending, Paused], Cancelled, 14))
        .await
        .unwrap();
    assert_eq!(cancelled.state, Cancelled);
    assert_eq!(cancelled.updated_at, t(14));
    for channel in CHANNELS {
        assert_eq!(waiting(store, b.id, channel).await, []);
    }
    let failed = broadcast_rows(outbox(Some(OutboxState::Failed)).await);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].recipient, DEWI_WA);
    assert_eq!(failed[0].error_code.as_deref(), Some("cancelled"));
    // Wati's message was with the provider already: it is not recalled.
    let in_flight = broadcast_rows(outbox(Some(OutboxState::Sending)).await);
    assert_eq!(in_flight.len(), 1);
    assert_eq!(in_flight[0].recipient, WATI_WA);

    let progress = store.broadcast_progress(b.id).await.unwrap();
    assert_eq!(
        progress,
        BroadcastProgress {
            total: 7,
            queued: 1,
            sent: 1,
            skipped: 1,
            cancelled: 4, // three never handed off, Dewi's recalled
            ..BroadcastProgress::default()
        }
    );
    assert_eq!(sum(&progress), progress.total);

    // Wati's message fails for real: counted as failed, not as cancelled.
    store
        .outbox_complete(
            in_flight[0].id,
            SendOutcome::Failed {
                code: Some("131026".into()),
                reason: "undeliverable".into(),
            },
            t(15),
        )
        .await
        .unwrap();
    let progress = store.broadcast_progress(b.id).await.unwrap();
    assert_eq!(
        (progress.failed, progress.queued, progress.cancelled),
        (1, 0, 4)
    );
    assert_eq!(sum(&progress), 7);

    // `layan outbox retry --all` queues real failures again, never what a cancel withdrew.
    assert_eq!(store.outbox_retry(&[], t(15)).await.unwrap(), 1);
    assert_eq!(store.outbox_retry(&[failed[0].id], t(15)).await.unwrap(), 0);
    let progress = store.broadcast_progress(b.id).await.unwrap();
    assert_eq!(
        (progress.failed, progress.queued, progress.cancelled),
        (0, 1, 4)
    );

    assert_eq!(
        store
            .hand_off_broadcast(b.id, vec![send(&dewi, 16)], t(16))
            .await
            .unwrap(),
        0
    );
    let result = store
        .set_broadcast_state(change(b.id, &[Paused], Sending, 16))
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    let result = store
        .set_broadcast_state(change(BroadcastId(999), &[Sending], Paused, 16))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    assert_eq!(
        actions(db).await,
        [
            "broadcast_create",
            "broadcast_paused",
            "broadcast_sending",
            "broadcast_cancelled"
        ]
    );
}
story!(recipients_reach_the_outbox_once_and_a_cancel_recalls_the_queue);

async fn a_broadcast_is_done_after_its_last_hand_off_even_when_feeders_race(db: &Harness) {
    let store = db.store.as_ref();
    town(store).await;
    let b = store
        .create_broadcast(notice(
            Audience::Office {
                office_id: OfficeId(2),
            },
            Some(2),
            0,
        ))
        .await
        .unwrap();
    assert_eq!(b.total, 2); // Dewi's mobile number and her Telegram chat
    let wa = waiting(store, b.id, WA).await;
    let tg = waiting(store, b.id, TG).await;
    assert_eq!((wa.len(), tg.len()), (1, 1));

    assert_eq!(
        store
            .hand_off_broadcast(b.id, vec![send(&wa[0], 1)], t(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.broadcast(b.id).await.unwrap().map(|b| b.state),
        Some(BroadcastState::Sending)
    );

    // Two nodes hand off the last recipient at the same moment: one message, not two.
    let other = db.reopen().await;
    let (first, second) = tokio::join!(
        db.store
            .hand_off_broadcast(b.id, vec![send(&tg[0], 2)], t(2)),
        other.hand_off_broadcast(b.id, vec![send(&tg[0], 2)], t(2)),
    );
    assert_eq!(first.unwrap() + second.unwrap(), 1);
    let done = store.broadcast(b.id).await.unwrap().unwrap();
    assert_eq!(done.state, BroadcastState::Done);
    assert_eq!(done.updated_at, t(2));
    let telegram = store.outbox_claim(TG, claim_at(3)).await.unwrap();
    assert_eq!(telegram.len(), 1);
    assert_eq!(telegram[0].recipient, "70003");

    let progress = store.broadcast_progress(b.id).await.unwrap();
    assert_eq!(
        progress,
        BroadcastProgress {
            total: 2,
            queued: 2,
            ..BroadcastProgress::default()
        }
    );
    // Done is not fed any more, and no longer cancellable by a "sending or paused" change.
    assert_eq!(store.sending_broadcasts().await.unwrap(), []);
    let result = store
        .set_broadcast_state(change(
            b.id,
            &[BroadcastState::Sending, BroadcastState::Paused],
            BroadcastState::Cancelled,
            4,
        ))
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    let result = store
        .hand_off_broadcast(BroadcastId(999), vec![], t(4))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
}
story!(a_broadcast_is_done_after_its_last_hand_off_even_when_feeders_race);

async fn the_feeder_is_given_the_broadcasts_being_sent_oldest_first(db: &Harness) {
    use BroadcastState::{Cancelled, Paused, Sending};
    let store = db.store.as_ref();
    town(store).await;
    let create = |audience: Audience, m: i64| {
        let store = db.store.clone();
        async move {
            store
                .create_broadcast(notice(audience, None, m))
                .await
                .unwrap()
        }
    };
    let a = create(Audience::Everyone, 0).await;
    let b = create(Audience::Province { code: 35 }, 1).await;
    let paused = create(Audience::Everyone, 2).await;
    store
        .set_broadcast_state(change(paused.id, &[Sending], Paused, 2))
        .await
        .unwrap();
    let cancelled = create(Audience::Everyone, 3).await;
    store
        .set_broadcast_state(change(cancelled.id, &[Sending], Cancelled, 3))
        .await
        .unwrap();
    let done = create(Audience::Regencies { codes: vec![1101] }, 4).await;
    assert_eq!(done.state, BroadcastState::Done);
    let ids = || async {
        store
            .sending_broadcasts()
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids().await, [a.id, b.id]);
    // Resumed, the paused one is fed again, in its place by age.
    store
        .set_broadcast_state(change(paused.id, &[Paused], Sending, 5))
        .await
        .unwrap();
    assert_eq!(ids().await, [a.id, b.id, paused.id]);
    let listed = store.sending_broadcasts().await.unwrap();
    assert_eq!(listed[0], store.broadcast(a.id).await.unwrap().unwrap());
}
story!(the_feeder_is_given_the_broadcasts_being_sent_oldest_first);

async fn an_older_opt_out_change_never_undoes_a_newer_one(db: &Harness) {
    let store = db.store.as_ref();
    seeded(store).await;
    assert!(!store.is_opted_out(WA, BUDI_WA).await.unwrap());
    assert!(store.set_opt_out(WA, BUDI_WA, true, t(5)).await.unwrap());
    assert!(store.is_opted_out(WA, BUDI_WA).await.unwrap());
    // A redelivered MULAI from before the STOP.
    assert!(!store.set_opt_out(WA, BUDI_WA, false, t(3)).await.unwrap());
    assert!(store.is_opted_out(WA, BUDI_WA).await.unwrap());
    assert!(store.set_opt_out(WA, BUDI_WA, false, t(7)).await.unwrap());
    assert!(!store.is_opted_out(WA, BUDI_WA).await.unwrap());
    assert!(!store.set_opt_out(WA, BUDI_WA, true, t(6)).await.unwrap());
    assert!(!store.is_opted_out(WA, BUDI_WA).await.unwrap());
    // Per channel: the same digits on Telegram are someone else's choice.
    store.set_opt_out(TG, BUDI_WA, true, t(8)).await.unwrap();
    assert!(store.is_opted_out(TG, BUDI_WA).await.unwrap());
    assert!(!store.is_opted_out(WA, BUDI_WA).await.unwrap());

    // The choice survives a restart.
    let reopened = db.reopen().await;
    assert!(reopened.is_opted_out(TG, BUDI_WA).await.unwrap());
    assert!(!reopened.is_opted_out(WA, BUDI_WA).await.unwrap());
}
story!(an_older_opt_out_change_never_undoes_a_newer_one);
