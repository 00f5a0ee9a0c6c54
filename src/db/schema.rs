//! The portable schema, kept by hand so it matches both migration folders.

diesel::table! {
    units (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    competencies (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        field -> Nullable<Text>,
        description -> Nullable<Text>,
        levels -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    positions (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        unit_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    position_standards (position_id, competency_id) {
        position_id -> BigInt,
        competency_id -> BigInt,
        required_level -> Integer,
    }
}

diesel::table! {
    assessments (id) {
        id -> BigInt,
        employee_id -> BigInt,
        competency_id -> BigInt,
        level -> Integer,
        assessed_on -> Date,
        method -> Text,
        assessor -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        version -> BigInt,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    employees (id) {
        id -> BigInt,
        nip -> Text,
        name -> Text,
        front_title -> Nullable<Text>,
        back_title -> Nullable<Text>,
        asn_type -> Text,
        rank_grade -> Nullable<Text>,
        position_id -> Nullable<BigInt>,
        unit_id -> BigInt,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        siasn_id -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        appointed_on -> Nullable<Date>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        unit_id -> Nullable<BigInt>,
        employee_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        token_version -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        jti -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partners (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        contact_person -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        website -> Nullable<Text>,
        agreement_number -> Nullable<Text>,
        agreement_start -> Nullable<Date>,
        agreement_end -> Nullable<Date>,
        active -> Bool,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        competency_ids -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    partner_competencies (partner_id, competency_id) {
        partner_id -> BigInt,
        competency_id -> BigInt,
    }
}

diesel::table! {
    settings (id) {
        id -> Integer,
        jp_target -> Integer,
        dissatisfaction_threshold -> Double,
        flag_overall_below -> Double,
        flag_nps_below -> Double,
        min_group_size -> Integer,
        feedback_window_days -> Integer,
        jpm_optimal_min -> Integer,
        jpm_cukup_min -> Integer,
        updated_at -> Timestamp,
        version -> BigInt,
        max_jp_per_day -> Integer,
        min_attendance_percent -> Integer,
        institution_name -> Text,
        siasn_instansi_id -> Nullable<Text>,
        siasn_certificate_type -> Nullable<Text>,
        siasn_course_type_by_form -> Text,
        jpm_methods -> Text,
        certificate_number_format -> Text,
        public_base_url -> Nullable<Text>,
        jp_target_pppk -> Nullable<Integer>,
        jp_cap_pppk -> Integer,
        late_completion_days -> Integer,
        action_plan_days -> Integer,
        transfer_review_after_days -> Integer,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        request_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    trainers (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        employee_id -> Nullable<BigInt>,
        partner_id -> Nullable<BigInt>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        bio -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        competency_ids -> Text,
        version -> BigInt,
        qualifications -> Text,
        max_jp_per_month -> Nullable<Integer>,
    }
}

diesel::table! {
    trainer_competencies (trainer_id, competency_id) {
        trainer_id -> BigInt,
        competency_id -> BigInt,
    }
}

diesel::table! {
    trainings (id) {
        id -> BigInt,
        title -> Text,
        description -> Nullable<Text>,
        form -> Text,
        mode -> Text,
        jp -> Integer,
        start_date -> Date,
        end_date -> Date,
        location -> Nullable<Text>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<Integer>,
        enrolment_deadline -> Nullable<Date>,
        cost -> Nullable<BigInt>,
        status -> Text,
        organizer_unit_id -> Nullable<BigInt>,
        siasn_course_type_id -> Nullable<Integer>,
        enrolled_count -> Integer,
        certificate_seq -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        links_json -> Text,
        leadership_programme -> Nullable<Text>,
        programme_id -> Nullable<BigInt>,
        nomination_required -> Bool,
    }
}

diesel::table! {
    training_partners (training_id, partner_id) {
        training_id -> BigInt,
        partner_id -> BigInt,
    }
}

diesel::table! {
    training_trainers (training_id, trainer_id) {
        training_id -> BigInt,
        trainer_id -> BigInt,
    }
}

diesel::table! {
    training_competencies (training_id, competency_id) {
        training_id -> BigInt,
        competency_id -> BigInt,
        target_level -> Integer,
    }
}

diesel::table! {
    enrolments (id) {
        id -> BigInt,
        training_id -> BigInt,
        employee_id -> BigInt,
        status -> Text,
        attendance_percent -> Nullable<Integer>,
        pre_test_score -> Nullable<Double>,
        post_test_score -> Nullable<Double>,
        certificate_number -> Nullable<Text>,
        jp_credited -> Nullable<Integer>,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        completed_on -> Nullable<Date>,
        verification_code -> Nullable<Text>,
        waitlisted_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
    }
}

diesel::table! {
    plans (id) {
        id -> BigInt,
        year -> Integer,
        title -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    plan_items (id) {
        id -> BigInt,
        plan_id -> BigInt,
        title -> Text,
        form -> Nullable<Text>,
        runs -> Integer,
        seats -> Integer,
        unit_cost -> Nullable<BigInt>,
        budget -> Nullable<BigInt>,
        seats_by_unit -> Text,
        competency_ids -> Text,
        partner_ids -> Text,
        training_ids -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    plan_item_competencies (item_id, competency_id) {
        item_id -> BigInt,
        competency_id -> BigInt,
    }
}

diesel::table! {
    plan_item_trainings (item_id, training_id) {
        item_id -> BigInt,
        training_id -> BigInt,
    }
}

diesel::table! {
    training_sessions (id) {
        id -> BigInt,
        training_id -> BigInt,
        title -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        jp -> Integer,
        location -> Nullable<Text>,
        trainer_ids -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    session_trainers (session_id, trainer_id) {
        session_id -> BigInt,
        trainer_id -> BigInt,
    }
}

diesel::table! {
    session_attendance (session_id, enrolment_id) {
        session_id -> BigInt,
        enrolment_id -> BigInt,
        present -> Bool,
    }
}

diesel::table! {
    policies (id) {
        id -> BigInt,
        title -> Text,
        reference -> Text,
        issued_on -> Date,
        effective_on -> Nullable<Date>,
        summary -> Nullable<Text>,
        refresher_due_days -> Integer,
        competency_ids -> Text,
        position_ids -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    policy_competencies (policy_id, competency_id) {
        policy_id -> BigInt,
        competency_id -> BigInt,
    }
}

diesel::table! {
    training_policies (training_id, policy_id) {
        training_id -> BigInt,
        policy_id -> BigInt,
    }
}

diesel::table! {
    trainer_qualifications (trainer_id, kind, issued_on) {
        trainer_id -> BigInt,
        kind -> Text,
        competency_id -> Nullable<BigInt>,
        level -> Nullable<Integer>,
        issued_on -> Date,
        expires_on -> Nullable<Date>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        secret -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        event -> Text,
        occurred_at -> Timestamp,
        data -> Text,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        last_status_code -> Nullable<Integer>,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    training_quotas (training_id, unit_id) {
        training_id -> BigInt,
        unit_id -> BigInt,
        seats -> Integer,
    }
}

diesel::table! {
    feedback (id) {
        id -> BigInt,
        training_id -> BigInt,
        unit_id -> Nullable<BigInt>,
        material -> Nullable<Integer>,
        method -> Nullable<Integer>,
        trainer -> Nullable<Integer>,
        facilities -> Nullable<Integer>,
        relevance -> Nullable<Integer>,
        organisation -> Nullable<Integer>,
        overall -> Integer,
        recommend -> Integer,
        comment -> Nullable<Text>,
        submitted_on -> Date,
        channel -> Text,
    }
}

diesel::table! {
    /// Kept by `aggregates`: a training's comments as the JSON array the evaluation answers.
    training_comments (training_id) {
        training_id -> BigInt,
        comments -> Text,
    }
}

diesel::table! {
    /// Kept by `aggregates`: a training's evaluation over every unit, as the report's row
    /// less its unaddressed flags: `figures` a JSON object, `flags` comma-separated, `comments`
    /// the JSON array shown; its CSV line cut around that cell (`csv_before`, `csv_after`).
    training_evaluations (training_id) {
        training_id -> BigInt,
        title -> Text,
        programme_id -> Nullable<BigInt>,
        figures -> Text,
        flags -> Text,
        suppressed -> Bool,
        comments -> Text,
        csv_before -> Text,
        csv_after -> Text,
    }
}

diesel::table! {
    /// Kept by `aggregates`: an internal candidate for the trainer pool, per competency.
    trainer_candidates (employee_id, competency_id) {
        employee_id -> BigInt,
        competency_id -> BigInt,
        level -> Integer,
        name -> Text,
        unit_id -> BigInt,
    }
}

diesel::table! {
    unit_evaluations (unit_id, training_id) {
        unit_id -> BigInt,
        training_id -> BigInt,
        title -> Text,
        programme_id -> Nullable<BigInt>,
        figures -> Text,
        flags -> Text,
        suppressed -> Bool,
        comments -> Text,
        csv_before -> Text,
        csv_after -> Text,
    }
}

diesel::table! {
    feedback_receipts (enrolment_id) {
        enrolment_id -> BigInt,
        unit_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_clients (id) {
        id -> BigInt,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        scopes -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        token_version -> BigInt,
    }
}

diesel::table! {
    token_revocations (id) {
        id -> BigInt,
        actor_kind -> Text,
        actor_id -> BigInt,
        token_version -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    competency_levels (employee_id, competency_id) {
        employee_id -> BigInt,
        competency_id -> BigInt,
        level -> Integer,
        assessed_on -> Date,
        assessment_id -> BigInt,
    }
}

diesel::joinable!(employees -> units (unit_id));
diesel::joinable!(exemptions -> employees (employee_id));
diesel::joinable!(employees -> positions (position_id));
diesel::joinable!(positions -> units (unit_id));
diesel::joinable!(position_standards -> positions (position_id));
diesel::joinable!(position_standards -> competencies (competency_id));
diesel::joinable!(assessments -> employees (employee_id));
diesel::joinable!(assessments -> competencies (competency_id));
diesel::joinable!(users -> units (unit_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(partner_competencies -> partners (partner_id));
diesel::joinable!(trainers -> employees (employee_id));
diesel::joinable!(trainers -> partners (partner_id));
diesel::joinable!(trainer_competencies -> trainers (trainer_id));
diesel::joinable!(trainer_competencies -> competencies (competency_id));
diesel::joinable!(trainings -> units (organizer_unit_id));
diesel::joinable!(training_partners -> trainings (training_id));
diesel::joinable!(training_partners -> partners (partner_id));
diesel::joinable!(training_trainers -> trainings (training_id));
diesel::joinable!(training_trainers -> trainers (trainer_id));
diesel::joinable!(training_competencies -> trainings (training_id));
diesel::joinable!(training_competencies -> competencies (competency_id));
diesel::joinable!(enrolments -> trainings (training_id));
diesel::joinable!(training_quotas -> trainings (training_id));
diesel::joinable!(plan_items -> plans (plan_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(training_policies -> trainings (training_id));
diesel::joinable!(training_policies -> policies (policy_id));
diesel::joinable!(training_sessions -> trainings (training_id));
diesel::joinable!(session_trainers -> training_sessions (session_id));
diesel::joinable!(session_attendance -> training_sessions (session_id));
diesel::joinable!(session_attendance -> enrolments (enrolment_id));
diesel::joinable!(plan_item_competencies -> plan_items (item_id));
diesel::joinable!(plan_item_trainings -> plan_items (item_id));
diesel::joinable!(plan_item_trainings -> trainings (training_id));
diesel::joinable!(training_quotas -> units (unit_id));
diesel::joinable!(enrolments -> employees (employee_id));
diesel::joinable!(feedback -> trainings (training_id));
diesel::joinable!(feedback_receipts -> enrolments (enrolment_id));
diesel::joinable!(partner_competencies -> competencies (competency_id));

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        handle -> Text,
        request -> Text,
        digest -> Text,
        status -> Integer,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    exemptions (id) {
        id -> BigInt,
        employee_id -> BigInt,
        kind -> Text,
        from_date -> Date,
        to_date -> Date,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    siasn_syncs (record_key) {
        record_key -> Text,
        enrolment_id -> Nullable<BigInt>,
        siasn_riwayat_id -> Text,
        synced_at -> Timestamp,
    }
}

diesel::joinable!(siasn_syncs -> enrolments (enrolment_id));

diesel::table! {
    external_learning (id) {
        id -> BigInt,
        employee_id -> BigInt,
        title -> Text,
        provider -> Text,
        form -> Text,
        start_date -> Date,
        end_date -> Date,
        jp -> Integer,
        certificate_number -> Nullable<Text>,
        status -> Text,
        review_note -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        evidence_filename -> Nullable<Text>,
        evidence_content_type -> Nullable<Text>,
        evidence_size -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    evidence_files (external_learning_id) {
        external_learning_id -> BigInt,
        content -> Binary,
    }
}

diesel::table! {
    programmes (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        description -> Nullable<Text>,
        competency_ids -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    programme_competencies (programme_id, competency_id) {
        programme_id -> BigInt,
        competency_id -> BigInt,
    }
}

diesel::table! {
    feedback_trainer_ratings (id) {
        id -> BigInt,
        training_id -> BigInt,
        trainer_id -> BigInt,
        unit_id -> Nullable<BigInt>,
        rating -> Integer,
    }
}

diesel::table! {
    improvement_actions (id) {
        id -> BigInt,
        training_id -> BigInt,
        aspect -> Text,
        finding -> Text,
        action -> Text,
        owner -> Nullable<Text>,
        due_on -> Nullable<Date>,
        status -> Text,
        next_training_id -> Nullable<BigInt>,
        outcome_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    action_plans (enrolment_id) {
        enrolment_id -> BigInt,
        items -> Text,
        item_count -> Integer,
        submitted_at -> Timestamp,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
        behaviour_change -> Nullable<Integer>,
        review_note -> Nullable<Text>,
        implemented_count -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    development_needs (id) {
        id -> BigInt,
        employee_id -> BigInt,
        competency_id -> Nullable<BigInt>,
        title -> Text,
        source -> Text,
        priority -> Integer,
        year -> Integer,
        status -> Text,
        training_id -> Nullable<BigInt>,
        policy_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::joinable!(development_needs -> employees (employee_id));
diesel::joinable!(action_plans -> enrolments (enrolment_id));
diesel::joinable!(external_learning -> employees (employee_id));
diesel::joinable!(evidence_files -> external_learning (external_learning_id));

diesel::allow_tables_to_appear_in_same_query!(
    development_needs,
    training_quotas,
    webhooks,
    webhook_events,
    webhook_deliveries,
    trainer_qualifications,
    policies,
    policy_competencies,
    training_policies,
    training_sessions,
    session_trainers,
    session_attendance,
    plans,
    plan_items,
    plan_item_competencies,
    plan_item_trainings,
    programmes,
    programme_competencies,
    feedback_trainer_ratings,
    improvement_actions,
    action_plans,
    external_learning,
    evidence_files,
    siasn_syncs,
    exemptions,
    units,
    competencies,
    positions,
    position_standards,
    assessments,
    employees,
    users,
    refresh_tokens,
    partners,
    partner_competencies,
    settings,
    audit_log,
    trainers,
    trainer_competencies,
    trainings,
    training_partners,
    training_trainers,
    training_competencies,
    enrolments,
    feedback,
    feedback_receipts,
    api_clients,
    competency_levels,
    idempotency_keys,
    token_revocations,
);
