//! PANDAWA: agents sign in and are locked out after wrong passwords, cases are filed once
//! however often a form is sent, every change is stored with everything it causes or not at
//! all, queues list what an agent should see, and a form link works once.

use crate::fixtures::{at, seeded, World};
use crate::harness::{story, Harness};
use cases::{AgentRole, CaseStatus, Shift};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use store::{
    Actor, Agent, AgentId, AuditQuery, Case, CaseChange, CaseEventKind, CaseQuery,
    ConversationRecord, NewAgent, NewAgentSession, NewAttachment, NewAudit, NewCase, NewCaseEvent,
    NewFormLink, NewOutbound, NewTurn, OfficeId, SignInFailure, StoreError,
};

const JEMBER_OFFICE: OfficeId = OfficeId(1);
const SURABAYA_OFFICE: OfficeId = OfficeId(2);

fn new_agent(username: &str, office: Option<OfficeId>) -> NewAgent {
    NewAgent {
        username: username.into(),
        name: format!("Petugas {username}"),
        role: AgentRole::Agent,
        office_id: office,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        shifts: vec![
            Shift {
                weekday: 0,
                start: 8 * 60,
                end: 15 * 60,
            },
            Shift {
                weekday: 5,
                start: 22 * 60,
                end: 6 * 60,
            },
        ],
        max_open_cases: 5,
        created_at: at(2026, 11, 1, 1, 0),
    }
}

async fn agent(db: &Harness, username: &str, office: Option<OfficeId>) -> Agent {
    db.store
        .create_agent(new_agent(username, office))
        .await
        .unwrap_or_else(|e| panic!("creating agent {username}: {e}"))
}

fn new_case(world: &World, office: Option<OfficeId>, created_at: DateTime<Utc>) -> NewCase {
    NewCase {
        kind: "pindah_faskes".into(),
        number_prefix: "PDW-G".into(),
        participant_id: Some(world.budi.id),
        family_id: Some(world.budi_family.id),
        office_id: office,
        channel: "whatsapp".into(),
        sender: "6281234567890".into(),
        fields: json!({"facility": "42"}),
        status: CaseStatus::Submitted,
        submission_key: None,
        created_at,
    }
}

async fn case(db: &Harness, new: NewCase) -> Case {
    db.store
        .create_case(new)
        .await
        .unwrap_or_else(|e| panic!("creating a case: {e}"))
}

/// A change that only writes its history entry.
fn change(
    case: &Case,
    expected: CaseStatus,
    kind: CaseEventKind,
    when: DateTime<Utc>,
) -> CaseChange {
    CaseChange {
        case_id: case.id,
        expected_status: expected,
        expected_assignee: None,
        status: None,
        assign: None,
        first_response: false,
        fields: None,
        event: NewCaseEvent {
            kind,
            actor: Actor::System,
            text: String::new(),
            at: when,
        },
        outbound: Vec::new(),
        turns: Vec::new(),
        conversation: None,
        audit: None,
    }
}

fn audit(
    action: &str,
    agent: Option<AgentId>,
    case: Option<&Case>,
    when: DateTime<Utc>,
) -> NewAudit {
    NewAudit {
        at: when,
        agent_id: agent,
        action: action.into(),
        participant_id: case.and_then(|c| c.participant_id),
        case_id: case.map(|c| c.id),
        detail: format!("{action} oleh petugas"),
    }
}

fn reply_turn(text: &str, when: DateTime<Utc>) -> NewTurn {
    NewTurn {
        channel: "whatsapp".into(),
        sender: "6281234567890".into(),
        direction: "out".into(),
        body: json!({"type": "text", "text": text}),
        text: text.into(),
        intent: None,
        participant_id: None,
        at: when,
    }
}

fn all_cases() -> CaseQuery {
    CaseQuery {
        limit: 100,
        ..CaseQuery::default()
    }
}

fn everything() -> AuditQuery {
    AuditQuery {
        limit: 100,
        ..AuditQuery::default()
    }
}

// ---- agents --------------------------------------------------------------------------------

async fn an_agent_is_stored_found_by_name_and_edited_but_usernames_are_unique(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    assert!(rina.active && rina.failed_sign_ins == 0 && rina.locked_until.is_none());
    assert_eq!(db.store.agent(rina.id).await.unwrap().as_ref(), Some(&rina));
    assert_eq!(
        db.store.agent_by_username("rina").await.unwrap().as_ref(),
        Some(&rina),
        "the shifts survive the round trip"
    );
    assert!(db.store.agent_by_username("tono").await.unwrap().is_none());

    let again = db
        .store
        .create_agent(new_agent("rina", Some(SURABAYA_OFFICE)))
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "a taken username: {again:?}"
    );

    let admin = agent(db, "admin", None).await;
    let edited = Agent {
        name: "Rina Wulandari".into(),
        role: AgentRole::Supervisor,
        office_id: Some(SURABAYA_OFFICE),
        shifts: vec![Shift {
            weekday: 2,
            start: 7 * 60,
            end: 12 * 60,
        }],
        max_open_cases: 9,
        active: false,
        password_hash: "$argon2id$v=19$new".into(),
        ..rina.clone()
    };
    db.store.update_agent(&edited).await.unwrap();
    assert_eq!(db.store.agent(rina.id).await.unwrap(), Some(edited));

    let surabaya: Vec<AgentId> = db
        .store
        .agents(Some(SURABAYA_OFFICE))
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(surabaya, [rina.id]);
    let everyone: Vec<AgentId> = db
        .store
        .agents(None)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(everyone, [rina.id, admin.id], "by id");
}
story!(an_agent_is_stored_found_by_name_and_edited_but_usernames_are_unique);

async fn three_wrong_passwords_lock_an_agent_and_a_right_one_clears_the_count(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let failure = |minute| SignInFailure {
        at: at(2026, 11, 23, 2, minute),
        max_failures: 3,
        lock_for: Duration::minutes(15),
    };
    let first = db
        .store
        .agent_sign_in_failed(rina.id, failure(0))
        .await
        .unwrap();
    assert_eq!((first.failed_sign_ins, first.locked_until), (1, None));
    db.store.agent_signed_in(rina.id).await.unwrap();
    let stored = db.store.agent(rina.id).await.unwrap().unwrap();
    assert_eq!(
        stored.failed_sign_ins, 0,
        "a right password clears the count"
    );

    for minute in 1..=2 {
        let a = db
            .store
            .agent_sign_in_failed(rina.id, failure(minute))
            .await
            .unwrap();
        assert_eq!(a.failed_sign_ins, minute);
        assert!(a.locked_until.is_none());
    }
    let locked = db
        .store
        .agent_sign_in_failed(rina.id, failure(3))
        .await
        .unwrap();
    assert_eq!(locked.locked_until, Some(at(2026, 11, 23, 2, 18)));
    assert_eq!(
        locked.failed_sign_ins, 0,
        "the count starts again with the lock"
    );
    assert_eq!(db.store.agent(rina.id).await.unwrap(), Some(locked));

    db.store.agent_signed_in(rina.id).await.unwrap();
    let cleared = db.store.agent(rina.id).await.unwrap().unwrap();
    assert_eq!((cleared.failed_sign_ins, cleared.locked_until), (0, None));

    assert!(matches!(
        db.store
            .agent_sign_in_failed(AgentId(999), failure(4))
            .await,
        Err(StoreError::NotFound(_))
    ));
}
story!(three_wrong_passwords_lock_an_agent_and_a_right_one_clears_the_count);

async fn failures_typed_at_once_are_all_counted(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", None).await;
    let failure = SignInFailure {
        at: at(2026, 11, 23, 2, 0),
        max_failures: 100,
        lock_for: Duration::minutes(15),
    };
    let tries = (0..20).map(|_| {
        let store = db.store.clone();
        tokio::spawn(async move { store.agent_sign_in_failed(rina.id, failure).await })
    });
    for t in tries.collect::<Vec<_>>() {
        t.await.unwrap().unwrap();
    }
    let stored = db.store.agent(rina.id).await.unwrap().unwrap();
    assert_eq!(
        stored.failed_sign_ins, 20,
        "no failure lost between read and write"
    );
}
story!(failures_typed_at_once_are_all_counted);

async fn a_session_works_until_it_expires_or_ends(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let session = NewAgentSession {
        token_hash: "a".repeat(64),
        agent_id: rina.id,
        csrf_token: "csrf-1".into(),
        created_at: at(2026, 11, 23, 1, 0),
        expires_at: at(2026, 11, 23, 9, 0),
    };
    db.store
        .create_agent_session(session.clone())
        .await
        .unwrap();
    let found = db
        .store
        .agent_session(&session.token_hash, at(2026, 11, 23, 8, 59))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.agent_id, found.csrf_token.as_str(), found.expires_at),
        (rina.id, "csrf-1", session.expires_at)
    );
    assert!(
        db.store
            .agent_session(&session.token_hash, at(2026, 11, 23, 9, 0))
            .await
            .unwrap()
            .is_none(),
        "expired at its expiry time"
    );
    assert!(db
        .store
        .agent_session(&"b".repeat(64), at(2026, 11, 23, 2, 0))
        .await
        .unwrap()
        .is_none());

    db.store
        .end_agent_session(&session.token_hash)
        .await
        .unwrap();
    assert!(db
        .store
        .agent_session(&session.token_hash, at(2026, 11, 23, 2, 0))
        .await
        .unwrap()
        .is_none());
}
story!(a_session_works_until_it_expires_or_ends);

async fn expired_sign_ins_are_pruned(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let t = |h| at(2026, 11, 23, h, 0);
    // Each kind: expiring at 08:00, 10:00 and 12:00.
    for (n, expires) in [(1, t(8)), (2, t(10)), (3, t(12))] {
        db.store
            .create_login(store::NewLogin {
                id: format!("lg_{n}"),
                participant_id: world.budi.id,
                code_hash: "0".repeat(64),
                expires_at: expires,
                created_at: t(7),
            })
            .await
            .unwrap();
        db.store
            .create_token(store::NewToken {
                token_hash: format!("{n}").repeat(64),
                participant_id: world.budi.id,
                expires_at: expires,
                created_at: t(7),
            })
            .await
            .unwrap();
        db.store
            .create_agent_session(NewAgentSession {
                token_hash: format!("{}", n + 3).repeat(64),
                agent_id: rina.id,
                csrf_token: format!("csrf-{n}"),
                created_at: t(7),
                expires_at: expires,
            })
            .await
            .unwrap();
    }
    // At most `limit` of each kind per call, and only what expired before the given time.
    assert_eq!(db.store.prune_expired_sign_ins(t(11), 1).await.unwrap(), 3);
    assert_eq!(db.store.prune_expired_sign_ins(t(11), 10).await.unwrap(), 3);
    assert_eq!(db.store.prune_expired_sign_ins(t(11), 10).await.unwrap(), 0);
    assert!(db.store.login("lg_3").await.unwrap().is_some());
    assert!(db
        .store
        .agent_session(&"6".repeat(64), t(7))
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        db.store
            .token_participant(&"3".repeat(64), t(7))
            .await
            .unwrap(),
        Some(world.budi.id)
    );
    for n in [1, 2] {
        assert_eq!(db.store.login(&format!("lg_{n}")).await.unwrap(), None);
        assert_eq!(
            db.store
                .agent_session(&format!("{}", n + 3).repeat(64), t(7))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            db.store
                .token_participant(&format!("{n}").repeat(64), t(7))
                .await
                .unwrap(),
            None
        );
    }
}
story!(expired_sign_ins_are_pruned);

// ---- cases ---------------------------------------------------------------------------------

async fn a_form_sent_twice_files_one_case(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let mut new = new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 3, 0));
    new.submission_key = Some("form-abc".into());
    let first = case(db, new.clone()).await;
    assert_eq!(first.submission_key.as_deref(), Some("form-abc"));
    assert_eq!(first.office_id, Some(JEMBER_OFFICE));
    assert_eq!(first.status, CaseStatus::Submitted);

    let mut resent = new.clone();
    resent.created_at = at(2026, 11, 23, 3, 2);
    resent.fields = json!({"facility": "43"});
    let second = case(db, resent).await;
    assert_eq!(second, first, "the first case comes back unchanged");

    let other = case(db, new_case(&world, None, at(2026, 11, 23, 3, 3))).await;
    assert_ne!(other.id, first.id, "cases without a key are never merged");
    assert_eq!(db.store.list_cases(&all_cases()).await.unwrap().len(), 2);
    assert_eq!(db.store.case(first.id).await.unwrap(), Some(first.clone()));

    let history = db.store.case_events(first.id).await.unwrap();
    assert_eq!(history.len(), 1, "one Created entry: {history:?}");
    assert_eq!(history[0].kind, CaseEventKind::Created);
    assert_eq!(history[0].to_status, Some(CaseStatus::Submitted));
    assert_eq!(history[0].at, first.created_at);
}
story!(a_form_sent_twice_files_one_case);

async fn a_change_is_stored_with_its_notice_turn_conversation_and_audit(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let c = case(
        db,
        new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 3, 0)),
    )
    .await;
    let when = at(2026, 11, 23, 4, 0);
    let conversation = ConversationRecord {
        channel: "whatsapp".into(),
        sender: "6281234567890".into(),
        state: json!({"flow": null}),
        status: "agent".into(),
        participant_id: Some(world.budi.id),
        updated_at: when,
    };
    let mut ask = change(
        &c,
        CaseStatus::Submitted,
        CaseEventKind::DocumentRequested,
        when,
    );
    ask.status = Some(CaseStatus::WaitingParticipant);
    ask.first_response = true;
    ask.fields = Some(json!({"facility": "42", "note": "KK buram"}));
    ask.event.actor = Actor::Agent(rina.id);
    ask.event.text = "Mohon kirim foto KK yang jelas".into();
    ask.outbound = vec![NewOutbound::plain(
        "whatsapp",
        "6281234567890",
        "case_notice",
        "Mohon kirim foto KK yang jelas",
        when,
    )];
    ask.turns = vec![reply_turn("Mohon kirim foto KK yang jelas", when)];
    ask.conversation = Some(conversation.clone());
    ask.audit = Some(audit("status", Some(rina.id), Some(&c), when));
    let after = db.store.change_case(ask).await.unwrap();
    assert_eq!(after.status, CaseStatus::WaitingParticipant);
    assert_eq!(after.first_response_at, Some(when));
    assert_eq!(after.updated_at, when);
    assert_eq!(after.fields["note"], "KK buram");
    assert!(after.closed_at.is_none());
    assert_eq!(db.store.case(c.id).await.unwrap(), Some(after.clone()));

    let queued = db
        .store
        .recent_outbound(Some("6281234567890"), 10)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].purpose.as_str(), queued[0].status.as_str()),
        ("case_notice", "queued")
    );
    let turns = db
        .store
        .recent_turns("whatsapp", "6281234567890", 10)
        .await
        .unwrap();
    assert_eq!(turns.len(), 1);
    assert_eq!(
        db.store
            .conversation("whatsapp", "6281234567890")
            .await
            .unwrap(),
        Some(conversation)
    );
    let log = db.store.audit_entries(&everything()).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].case_id, Some(c.id));
    assert_eq!(log[0].agent_username.as_deref(), Some("rina"));

    let history = db.store.case_events(c.id).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.kind, CaseEventKind::DocumentRequested);
    assert_eq!(last.actor, Actor::Agent(rina.id));
    assert_eq!(last.from_status, Some(CaseStatus::Submitted));
    assert_eq!(last.to_status, Some(CaseStatus::WaitingParticipant));
    assert_eq!(last.text, "Mohon kirim foto KK yang jelas");

    // A later response does not move the first one.
    let mut note = change(
        &after,
        CaseStatus::WaitingParticipant,
        CaseEventKind::Note,
        at(2026, 11, 23, 5, 0),
    );
    note.first_response = true;
    let noted = db.store.change_case(note).await.unwrap();
    assert_eq!(noted.first_response_at, Some(when));
    assert_eq!(noted.fields, after.fields, "fields stay unless replaced");
}
story!(a_change_is_stored_with_its_notice_turn_conversation_and_audit);

async fn a_change_decided_on_a_stale_status_conflicts_and_stores_nothing(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let tono = agent(db, "tono", Some(JEMBER_OFFICE)).await;
    let c = case(
        db,
        new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 3, 0)),
    )
    .await;

    let mut start = change(
        &c,
        CaseStatus::Submitted,
        CaseEventKind::StatusChanged,
        at(2026, 11, 23, 4, 0),
    );
    start.status = Some(CaseStatus::InProgress);
    start.event.actor = Actor::Agent(rina.id);
    let started = db.store.change_case(start).await.unwrap();

    // Tono decided on the page he loaded before Rina started the case.
    let when = at(2026, 11, 23, 4, 1);
    let mut stale = change(
        &c,
        CaseStatus::Submitted,
        CaseEventKind::StatusChanged,
        when,
    );
    stale.status = Some(CaseStatus::Rejected);
    stale.assign = Some(Some(tono.id));
    stale.first_response = true;
    stale.fields = Some(json!({"overwritten": true}));
    stale.event.actor = Actor::Agent(tono.id);
    stale.outbound = vec![NewOutbound::plain(
        "whatsapp",
        "6281234567890",
        "case_notice",
        "Ditolak",
        when,
    )];
    stale.turns = vec![reply_turn("Ditolak", when)];
    stale.conversation = Some(ConversationRecord {
        channel: "whatsapp".into(),
        sender: "6281234567890".into(),
        state: json!({}),
        status: "bot".into(),
        participant_id: None,
        updated_at: when,
    });
    stale.audit = Some(audit("status", Some(tono.id), Some(&c), when));
    let outcome = db.store.change_case(stale).await;
    assert!(
        matches!(outcome, Err(StoreError::Conflict(_))),
        "{outcome:?}"
    );

    assert_eq!(db.store.case(c.id).await.unwrap(), Some(started));
    assert_eq!(db.store.case_events(c.id).await.unwrap().len(), 2);
    assert!(db.store.recent_outbound(None, 10).await.unwrap().is_empty());
    assert!(db
        .store
        .recent_turns("whatsapp", "6281234567890", 10)
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .store
        .conversation("whatsapp", "6281234567890")
        .await
        .unwrap()
        .is_none());
    assert!(db
        .store
        .audit_entries(&everything())
        .await
        .unwrap()
        .is_empty());
    let tono_after = db.store.agent(tono.id).await.unwrap().unwrap();
    assert!(
        tono_after.last_assigned_at.is_none(),
        "the rotation did not move"
    );

    let missing = change(&c, CaseStatus::Submitted, CaseEventKind::Note, when);
    let missing = CaseChange {
        case_id: store::CaseId(999),
        ..missing
    };
    assert!(matches!(
        db.store.change_case(missing).await,
        Err(StoreError::NotFound(_))
    ));
}
story!(a_change_decided_on_a_stale_status_conflicts_and_stores_nothing);

async fn assigning_moves_the_rotation_and_the_history_tells_the_whole_story(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let c = case(
        db,
        new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 3, 0)),
    )
    .await;

    let t1 = at(2026, 11, 23, 3, 5);
    let mut assign = change(&c, CaseStatus::Submitted, CaseEventKind::Assigned, t1);
    assign.assign = Some(Some(rina.id));
    let assigned = db.store.change_case(assign).await.unwrap();
    assert_eq!(
        (assigned.assigned_to, assigned.assigned_at),
        (Some(rina.id), Some(t1))
    );
    assert_eq!(
        db.store
            .agent(rina.id)
            .await
            .unwrap()
            .unwrap()
            .last_assigned_at,
        Some(t1)
    );

    let t2 = at(2026, 11, 23, 3, 10);
    let mut start = change(&c, CaseStatus::Submitted, CaseEventKind::StatusChanged, t2);
    start.status = Some(CaseStatus::InProgress);
    start.event.actor = Actor::Agent(rina.id);
    db.store.change_case(start).await.unwrap();

    let t3 = at(2026, 11, 23, 3, 20);
    let mut done = change(&c, CaseStatus::InProgress, CaseEventKind::StatusChanged, t3);
    done.status = Some(CaseStatus::Done);
    done.event.actor = Actor::Agent(rina.id);
    done.event.text = "FKTP sudah dipindah".into();
    let closed = db.store.change_case(done).await.unwrap();
    assert_eq!(closed.closed_at, Some(t3));
    assert_eq!(closed.assigned_to, Some(rina.id), "the assignee stays");

    let t4 = at(2026, 11, 23, 3, 25);
    let mut unassign = change(&c, CaseStatus::Done, CaseEventKind::Assigned, t4);
    unassign.assign = Some(None);
    let unassigned = db.store.change_case(unassign).await.unwrap();
    assert_eq!(
        (unassigned.assigned_to, unassigned.assigned_at),
        (None, None)
    );
    assert_eq!(unassigned.closed_at, Some(t3), "closing time kept");

    let history = db.store.case_events(c.id).await.unwrap();
    let story: Vec<_> = history
        .iter()
        .map(|e| (e.kind, e.from_status, e.to_status, e.assigned_to))
        .collect();
    use CaseEventKind as K;
    use CaseStatus as S;
    assert_eq!(
        story,
        [
            (K::Created, None, Some(S::Submitted), None),
            (K::Assigned, None, None, Some(rina.id)),
            (
                K::StatusChanged,
                Some(S::Submitted),
                Some(S::InProgress),
                None
            ),
            (K::StatusChanged, Some(S::InProgress), Some(S::Done), None),
            (K::Assigned, None, None, None),
        ]
    );
    assert_eq!(history[0].actor, Actor::Participant);
    assert_eq!(history[3].text, "FKTP sudah dipindah");
    assert!(history.windows(2).all(|w| w[0].at <= w[1].at));
}
story!(assigning_moves_the_rotation_and_the_history_tells_the_whole_story);

async fn two_nodes_assigning_one_case_cannot_both_win(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let sari = agent(db, "sari", Some(JEMBER_OFFICE)).await;
    let c = case(
        db,
        new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 3, 0)),
    )
    .await;
    // Both decided on the case while it was unassigned; the status does not change.
    let decided = |to: AgentId, minute: u32| {
        let mut a = change(
            &c,
            CaseStatus::Submitted,
            CaseEventKind::Assigned,
            at(2026, 11, 23, 3, minute),
        );
        a.assign = Some(Some(to));
        a.expected_assignee = Some(None);
        a
    };
    db.store.change_case(decided(rina.id, 1)).await.unwrap();
    let late = db.store.change_case(decided(sari.id, 2)).await;
    assert!(
        matches!(late, Err(StoreError::Conflict(_))),
        "the second assignment must conflict, got {late:?}"
    );
    let stored = db.store.case(c.id).await.unwrap().unwrap();
    assert_eq!(stored.assigned_to, Some(rina.id));
    let assigned = db
        .store
        .case_events(c.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == CaseEventKind::Assigned)
        .count();
    assert_eq!(assigned, 1, "the losing node stored no history");
    let sari_after = db.store.agent(sari.id).await.unwrap().unwrap();
    assert_eq!(sari_after.last_assigned_at, None, "nor moved the rotation");
}
story!(two_nodes_assigning_one_case_cannot_both_win);

async fn queues_list_what_each_agent_should_see(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let tono = agent(db, "tono", Some(JEMBER_OFFICE)).await;
    let t = |minute| at(2026, 11, 23, 3, minute);
    let jember_old = case(db, new_case(&world, Some(JEMBER_OFFICE), t(0))).await;
    let unplaced = case(db, new_case(&world, None, t(1))).await;
    let surabaya = case(db, new_case(&world, Some(SURABAYA_OFFICE), t(2))).await;
    let mut complaint = new_case(&world, Some(JEMBER_OFFICE), t(3));
    complaint.kind = "pengaduan".into();
    complaint.channel = "webchat".into();
    complaint.sender = "browser-7".into();
    let jember_new = case(db, complaint).await;
    let jember_done = case(db, new_case(&world, Some(JEMBER_OFFICE), t(4))).await;

    let assign = |c: &Case, status: CaseStatus, to: AgentId, next: Option<CaseStatus>| {
        let mut ch = change(c, status, CaseEventKind::Assigned, t(30));
        ch.assign = Some(Some(to));
        ch.status = next;
        ch
    };
    db.store
        .change_case(assign(
            &jember_old,
            CaseStatus::Submitted,
            rina.id,
            Some(CaseStatus::InProgress),
        ))
        .await
        .unwrap();
    db.store
        .change_case(assign(&surabaya, CaseStatus::Submitted, rina.id, None))
        .await
        .unwrap();
    db.store
        .change_case(assign(
            &jember_done,
            CaseStatus::Submitted,
            tono.id,
            Some(CaseStatus::Rejected),
        ))
        .await
        .unwrap();
    db.store
        .change_case(assign(
            &jember_new,
            CaseStatus::Submitted,
            tono.id,
            Some(CaseStatus::WaitingParticipant),
        ))
        .await
        .unwrap();

    let ids = |cases: Vec<Case>| cases.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let list = |q: CaseQuery| {
        let store = db.store.clone();
        async move { ids(store.list_cases(&q).await.unwrap()) }
    };

    assert_eq!(
        list(all_cases()).await,
        [
            jember_done.id,
            jember_new.id,
            surabaya.id,
            unplaced.id,
            jember_old.id
        ],
        "newest first by default"
    );
    assert_eq!(
        list(CaseQuery {
            office_id: Some(JEMBER_OFFICE),
            oldest_first: true,
            ..all_cases()
        })
        .await,
        [jember_old.id, jember_new.id, jember_done.id]
    );
    assert_eq!(
        list(CaseQuery {
            office_id: Some(JEMBER_OFFICE),
            include_unplaced: true,
            oldest_first: true,
            ..all_cases()
        })
        .await,
        [jember_old.id, unplaced.id, jember_new.id, jember_done.id]
    );
    assert_eq!(
        list(CaseQuery {
            assigned_to: Some(None),
            ..all_cases()
        })
        .await,
        [unplaced.id]
    );
    assert_eq!(
        list(CaseQuery {
            assigned_to: Some(Some(rina.id)),
            oldest_first: true,
            ..all_cases()
        })
        .await,
        [jember_old.id, surabaya.id]
    );
    assert_eq!(
        list(CaseQuery {
            statuses: CaseStatus::OPEN.to_vec(),
            office_id: Some(JEMBER_OFFICE),
            ..all_cases()
        })
        .await,
        [jember_new.id, jember_old.id]
    );
    assert_eq!(
        list(CaseQuery {
            statuses: vec![CaseStatus::Submitted],
            ..all_cases()
        })
        .await,
        [surabaya.id, unplaced.id]
    );
    assert_eq!(
        list(CaseQuery {
            kind: Some("pengaduan".into()),
            ..all_cases()
        })
        .await,
        [jember_new.id]
    );
    assert_eq!(
        list(CaseQuery {
            channel: Some("webchat".into()),
            sender: Some("browser-7".into()),
            ..all_cases()
        })
        .await,
        [jember_new.id]
    );
    assert_eq!(
        list(CaseQuery {
            created_from: Some(t(2)),
            oldest_first: true,
            ..all_cases()
        })
        .await,
        [surabaya.id, jember_new.id, jember_done.id]
    );
    assert_eq!(
        list(CaseQuery {
            oldest_first: true,
            limit: 2,
            ..CaseQuery::default()
        })
        .await,
        [jember_old.id, unplaced.id]
    );

    assert_eq!(
        db.store.open_cases_per_agent().await.unwrap(),
        [(rina.id, 2), (tono.id, 1)],
        "tono's rejected case no longer counts; the unassigned one counts for nobody"
    );
}
story!(queues_list_what_each_agent_should_see);

async fn daily_counts_follow_the_branch_day_not_utc(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let filed = |kind: &str, channel: &str, when| {
        let mut c = new_case(&world, None, when);
        c.kind = kind.into();
        c.channel = channel.into();
        c
    };
    // 16:30 UTC is 23:30 WIB on the 22nd; 17:30 UTC is already 00:30 WIB on the 23rd.
    case(
        db,
        filed("pindah_faskes", "whatsapp", at(2026, 11, 22, 16, 30)),
    )
    .await;
    case(
        db,
        filed("pindah_faskes", "whatsapp", at(2026, 11, 22, 17, 30)),
    )
    .await;
    case(
        db,
        filed("pindah_faskes", "whatsapp", at(2026, 11, 23, 3, 0)),
    )
    .await;
    case(db, filed("pengaduan", "webchat", at(2026, 11, 23, 4, 0))).await;
    // Before `since`: not counted.
    case(db, filed("pengaduan", "webchat", at(2026, 11, 20, 4, 0))).await;

    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let counts = |offset| {
        let store = db.store.clone();
        async move {
            store
                .case_daily_counts(at(2026, 11, 21, 0, 0), offset)
                .await
                .unwrap()
                .into_iter()
                .map(|c| (c.day, c.kind, c.channel, c.count))
                .collect::<Vec<_>>()
        }
    };
    let row = |d, kind: &str, channel: &str, n| (day(d), kind.to_string(), channel.to_string(), n);
    assert_eq!(
        counts(7 * 60).await,
        [
            row(22, "pindah_faskes", "whatsapp", 1),
            row(23, "pengaduan", "webchat", 1),
            row(23, "pindah_faskes", "whatsapp", 2),
        ]
    );
    assert_eq!(
        counts(0).await,
        [
            row(22, "pindah_faskes", "whatsapp", 2),
            row(23, "pengaduan", "webchat", 1),
            row(23, "pindah_faskes", "whatsapp", 1),
        ]
    );
}
story!(daily_counts_follow_the_branch_day_not_utc);

// ---- forms ---------------------------------------------------------------------------------

fn link(world: &World, id: &str, completes: Option<&Case>) -> NewFormLink {
    NewFormLink {
        id: id.into(),
        kind: "pindah_faskes".into(),
        channel: "whatsapp".into(),
        sender: "6281234567890".into(),
        participant_id: Some(world.budi.id),
        family_id: Some(world.budi_family.id),
        office_id: Some(JEMBER_OFFICE),
        case_id: completes.map(|c| c.id),
        prefill: json!({"name": "Budi Santoso"}),
        created_at: at(2026, 11, 23, 2, 0),
        expires_at: at(2026, 11, 24, 2, 0),
    }
}

fn upload(form: Option<&str>, document: &str, minute: u32) -> NewAttachment {
    NewAttachment {
        case_id: None,
        form_id: form.map(str::to_owned),
        document: Some(document.into()),
        filename: format!("{document}.jpg"),
        content_type: "image/jpeg".into(),
        size_bytes: 182_311,
        sha256: "0".repeat(64),
        path: format!("uploads/{document}-{minute}.jpg"),
        uploaded_by: Actor::Participant,
        uploaded_at: at(2026, 11, 23, 2, minute),
    }
}

async fn a_form_is_filed_once_with_its_uploads_and_then_takes_no_drafts(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let created = db
        .store
        .create_form_link(link(&world, "f1", None))
        .await
        .unwrap();
    assert_eq!(
        db.store.form_link("f1").await.unwrap().as_ref(),
        Some(&created)
    );
    assert!(created.submitted_case.is_none());

    db.store
        .save_form_draft("f1", json!({"facility": "4"}), at(2026, 11, 23, 2, 5))
        .await
        .unwrap();
    let saved = db.store.form_link("f1").await.unwrap().unwrap();
    assert_eq!(saved.draft, json!({"facility": "4"}));
    assert_eq!(saved.draft_saved_at, Some(at(2026, 11, 23, 2, 5)));

    let ktp = db
        .store
        .add_attachment(upload(Some("f1"), "ktp", 6))
        .await
        .unwrap();
    let kk = db
        .store
        .add_attachment(upload(Some("f1"), "kk", 7))
        .await
        .unwrap();
    assert_eq!(
        db.store.attachment(ktp.id).await.unwrap().as_ref(),
        Some(&ktp)
    );
    let waiting: Vec<_> = db
        .store
        .form_attachments("f1")
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(waiting, [ktp.id, kk.id]);

    let submitted_at = at(2026, 11, 23, 2, 10);
    let filed = db
        .store
        .submit_form(
            "f1",
            new_case(&world, Some(JEMBER_OFFICE), submitted_at),
            submitted_at,
        )
        .await
        .unwrap();
    let again = db
        .store
        .submit_form(
            "f1",
            new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 2, 11)),
            at(2026, 11, 23, 2, 11),
        )
        .await
        .unwrap();
    assert_eq!(again, filed, "the second submission returns the first case");
    assert_eq!(db.store.list_cases(&all_cases()).await.unwrap().len(), 1);
    assert_eq!(db.store.case_events(filed.id).await.unwrap().len(), 1);

    let used = db.store.form_link("f1").await.unwrap().unwrap();
    assert_eq!(
        (used.submitted_case, used.submitted_at),
        (Some(filed.id), Some(submitted_at))
    );
    let moved: Vec<_> = db
        .store
        .case_attachments(filed.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.case_id))
        .collect();
    assert_eq!(moved, [(ktp.id, Some(filed.id)), (kk.id, Some(filed.id))]);
    assert!(db.store.form_attachments("f1").await.unwrap().is_empty());

    let late = db
        .store
        .save_form_draft("f1", json!({"facility": "5"}), at(2026, 11, 23, 2, 12))
        .await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    assert_eq!(
        db.store.form_link("f1").await.unwrap().unwrap().draft,
        json!({"facility": "4"})
    );

    assert!(matches!(
        db.store
            .save_form_draft("nope", json!({}), at(2026, 11, 23, 2, 12))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        db.store
            .submit_form("nope", new_case(&world, None, submitted_at), submitted_at)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(db.store.list_cases(&all_cases()).await.unwrap().len(), 1);
}
story!(a_form_is_filed_once_with_its_uploads_and_then_takes_no_drafts);

async fn requested_documents_complete_their_case_once(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let c = case(
        db,
        new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 1, 0)),
    )
    .await;
    let mut ask = change(
        &c,
        CaseStatus::Submitted,
        CaseEventKind::DocumentRequested,
        at(2026, 11, 23, 1, 30),
    );
    ask.status = Some(CaseStatus::WaitingParticipant);
    db.store.change_case(ask).await.unwrap();
    db.store
        .create_form_link(link(&world, "docs", Some(&c)))
        .await
        .unwrap();
    let kk = db
        .store
        .add_attachment(upload(Some("docs"), "kk", 40))
        .await
        .unwrap();

    let received = |when| {
        let mut ch = change(
            &c,
            CaseStatus::WaitingParticipant,
            CaseEventKind::DocumentReceived,
            when,
        );
        ch.status = Some(CaseStatus::InProgress);
        ch.event.actor = Actor::Participant;
        ch
    };
    let t = at(2026, 11, 23, 2, 45);
    let completed = db
        .store
        .complete_form_link("docs", received(t), t)
        .await
        .unwrap();
    assert_eq!(completed.status, CaseStatus::InProgress);
    let again = db
        .store
        .complete_form_link(
            "docs",
            received(at(2026, 11, 23, 2, 50)),
            at(2026, 11, 23, 2, 50),
        )
        .await
        .unwrap();
    assert_eq!(again, completed, "a used link changes nothing");

    let kinds: Vec<_> = db
        .store
        .case_events(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            CaseEventKind::Created,
            CaseEventKind::DocumentRequested,
            CaseEventKind::DocumentReceived
        ]
    );
    let attached: Vec<_> = db
        .store
        .case_attachments(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(attached, [kk.id]);
    assert_eq!(
        db.store
            .form_link("docs")
            .await
            .unwrap()
            .unwrap()
            .submitted_case,
        Some(c.id)
    );

    // A stale change leaves the link unused, so the participant can send it again.
    db.store
        .create_form_link(link(&world, "docs2", Some(&c)))
        .await
        .unwrap();
    let stale = db.store.complete_form_link("docs2", received(t), t).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert!(db
        .store
        .form_link("docs2")
        .await
        .unwrap()
        .unwrap()
        .submitted_case
        .is_none());
}
story!(requested_documents_complete_their_case_once);

// ---- audit ---------------------------------------------------------------------------------

async fn the_audit_log_is_read_in_order_and_filtered(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let rina = agent(db, "rina", Some(JEMBER_OFFICE)).await;
    let tono = agent(db, "tono", Some(JEMBER_OFFICE)).await;
    let c = case(
        db,
        new_case(&world, Some(JEMBER_OFFICE), at(2026, 11, 23, 1, 0)),
    )
    .await;
    let t = |minute| at(2026, 11, 23, 2, minute);
    // Appended out of time order: the log reads by time.
    db.store
        .append_audit(audit("view_case", Some(tono.id), Some(&c), t(5)))
        .await
        .unwrap();
    db.store
        .append_audit(audit("sign_in", Some(rina.id), None, t(1)))
        .await
        .unwrap();
    db.store
        .append_audit(audit("reveal_nik", Some(rina.id), Some(&c), t(3)))
        .await
        .unwrap();
    db.store
        .append_audit(audit("sign_in_failed", None, None, t(7)))
        .await
        .unwrap();
    // An entry naming an agent that does not exist is still kept.
    db.store
        .append_audit(audit("export_audit", Some(AgentId(999)), None, t(9)))
        .await
        .unwrap();

    let actions = |q: AuditQuery| {
        let store = db.store.clone();
        async move {
            store
                .audit_entries(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.action)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        actions(everything()).await,
        [
            "sign_in",
            "reveal_nik",
            "view_case",
            "sign_in_failed",
            "export_audit"
        ]
    );
    assert_eq!(
        actions(AuditQuery {
            from: Some(t(3)),
            to: Some(t(7)),
            ..everything()
        })
        .await,
        ["reveal_nik", "view_case"],
        "from inclusive, to exclusive"
    );
    assert_eq!(
        actions(AuditQuery {
            agent_id: Some(rina.id),
            ..everything()
        })
        .await,
        ["sign_in", "reveal_nik"]
    );
    assert_eq!(
        actions(AuditQuery {
            case_id: Some(c.id),
            ..everything()
        })
        .await,
        ["reveal_nik", "view_case"]
    );
    assert_eq!(
        actions(AuditQuery {
            limit: 2,
            ..everything()
        })
        .await,
        ["sign_in", "reveal_nik"]
    );

    let entries = db.store.audit_entries(&everything()).await.unwrap();
    assert_eq!(entries[0].agent_username.as_deref(), Some("rina"));
    assert_eq!(entries[0].at, t(1));
    assert_eq!(entries[1].participant_id, Some(world.budi.id));
    assert_eq!(entries[3].agent_username, None);
    assert_eq!(
        (entries[4].agent_id, entries[4].agent_username.as_deref()),
        (Some(AgentId(999)), None)
    );
}
story!(the_audit_log_is_read_in_order_and_filtered);
