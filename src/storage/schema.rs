// The one table! file. Column types are limited to those every backend shares
// (Integer, BigInt, Text, Timestamp), so PostgreSQL can use it unchanged.

diesel::table! {
    definitions (survey_id, version) {
        survey_id -> Text,
        version -> Text,
        wave -> Integer,
        source -> Text,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    survey_salts (survey_id) {
        survey_id -> Text,
        salt -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    responses (id) {
        id -> BigInt,
        survey_id -> Text,
        definition_version -> Text,
        wave -> Integer,
        collection_district -> Text,
        collection_community -> Nullable<Text>,
        district -> Text,
        channel -> Text,
        status -> Text,
        started_at -> Nullable<Timestamp>,
        submitted_at -> Timestamp,
        answers -> Text,
        source_hash -> Text,
        device_hash -> Nullable<Text>,
        submission_key -> Text,
        quality_flags -> Text,
        pattern_hash -> Text,
        interviewer -> Nullable<Text>,
        intake -> Nullable<Text>,
        residence_community -> Nullable<Text>,
        residence_grid -> Nullable<Text>,
        household_id -> Nullable<BigInt>,
        household_adults -> Nullable<Integer>,
        selection_probability -> Nullable<Double>,
        ended_at -> Nullable<Timestamp>,
        location -> Nullable<Text>,
        location_accuracy -> Nullable<Text>,
    }
}

diesel::table! {
    dashboard_snapshots (survey_id) {
        survey_id -> Text,
        definition_version -> Text,
        max_id -> BigInt,
        row_count -> BigInt,
        superseded -> Text,
        body -> Text,
        saved_at -> Timestamp,
    }
}

diesel::table! {
    intake_tokens (token_hash) {
        token_hash -> Text,
        label -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    supersessions (response_id) {
        response_id -> BigInt,
        reason -> Text,
        superseded_at -> Timestamp,
    }
}

diesel::table! {
    invites (code_hash) {
        code_hash -> Text,
        survey_id -> Text,
        district -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        district -> Nullable<Text>,
        disabled -> Integer,
        created_at -> Timestamp,
        password_set_at -> Nullable<Timestamp>,
        totp_secret -> Nullable<Text>,
        totp_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        label -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        detail -> Text,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    survey_closures (survey_id) {
        survey_id -> Text,
        closed_at -> Timestamp,
        closed_by -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_history (id) {
        id -> BigInt,
        user_id -> BigInt,
        password_hash -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    interview_attempts (id) {
        id -> BigInt,
        survey_id -> Text,
        wave -> Integer,
        district -> Text,
        interviewer -> Text,
        mode -> Text,
        disposition -> Text,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    questionnaire_views (survey_id, collection_district, collection_point, channel, day) {
        survey_id -> Text,
        collection_district -> Text,
        collection_point -> Text,
        channel -> Text,
        day -> Text,
        views -> BigInt,
        starts -> BigInt,
        left_out -> BigInt,
    }
}

diesel::table! {
    voice_themes (id) {
        id -> BigInt,
        survey_id -> Text,
        response_id -> BigInt,
        themes -> Text,
        confirmed_by -> Text,
        confirmed_at -> Timestamp,
    }
}

diesel::table! {
    ledger_items (id) {
        id -> BigInt,
        survey_id -> Text,
        district -> Text,
        level -> Text,
        place -> Text,
        indicator -> Text,
        problem -> Text,
        unit -> Text,
        measures -> Text,
        deadline -> Text,
        baseline_wave -> Integer,
        baseline_estimate -> Nullable<Double>,
        baseline_low -> Nullable<Double>,
        baseline_high -> Nullable<Double>,
        baseline_n -> Nullable<Double>,
        baseline_target -> Nullable<Double>,
        baseline_basis -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
    }
}

diesel::table! {
    ledger_events (id) {
        id -> BigInt,
        item_id -> BigInt,
        seq -> Integer,
        state -> Text,
        note -> Text,
        reason -> Nullable<Text>,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    answer_words (response_id) {
        response_id -> BigInt,
        survey_id -> Text,
        question -> Text,
        district -> Text,
        community -> Nullable<Text>,
        answer -> Text,
        words -> Text,
    }
}

diesel::table! {
    answer_words_backlog (survey_id) {
        survey_id -> Text,
        upto -> BigInt,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sample_frames (id) {
        id -> BigInt,
        survey_id -> Text,
        wave -> Integer,
        district -> Text,
        community -> Text,
        position -> Integer,
        household_code -> Text,
        address -> Text,
        fingerprint -> Text,
        loaded_at -> Timestamp,
        loaded_by -> Text,
    }
}

diesel::table! {
    sample_draws (id) {
        id -> BigInt,
        survey_id -> Text,
        wave -> Integer,
        seed -> BigInt,
        fingerprint -> Text,
        drawn_at -> Timestamp,
        drawn_by -> Text,
    }
}

diesel::table! {
    sample_communities (id) {
        id -> BigInt,
        draw_id -> BigInt,
        district -> Text,
        community -> Text,
        adults -> BigInt,
        probability -> Double,
        certain -> Integer,
        households -> Integer,
    }
}

diesel::table! {
    sample_households (id) {
        id -> BigInt,
        draw_id -> BigInt,
        survey_id -> Text,
        wave -> Integer,
        district -> Text,
        community -> Text,
        serial -> Integer,
        household_code -> Text,
        address -> Text,
        method -> Text,
        probability -> Double,
        approximate -> Integer,
        kish_table -> Nullable<Text>,
    }
}

diesel::table! {
    sample_assignments (id) {
        id -> BigInt,
        survey_id -> Text,
        household_id -> BigInt,
        interviewer -> Text,
        assigned_by -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    household_visits (id) {
        id -> BigInt,
        survey_id -> Text,
        household_id -> BigInt,
        interviewer -> Text,
        visited_at -> Timestamp,
        recorded_at -> Timestamp,
        outcome -> Text,
        appointment_at -> Nullable<Timestamp>,
        note -> Text,
        submission_key -> Text,
    }
}

diesel::table! {
    callbacks (id) {
        id -> BigInt,
        survey_id -> Text,
        wave -> Integer,
        response_id -> BigInt,
        interviewer -> Text,
        seed -> BigInt,
        drawn_at -> Timestamp,
        drawn_by -> Text,
    }
}

diesel::table! {
    callback_outcomes (id) {
        id -> BigInt,
        callback_id -> BigInt,
        outcome -> Text,
        note -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    redactions (id) {
        id -> BigInt,
        response_id -> BigInt,
        answers -> Text,
        kinds -> Text,
        redacted_at -> Timestamp,
        redacted_by -> Text,
    }
}

diesel::joinable!(supersessions -> responses (response_id));
diesel::joinable!(redactions -> responses (response_id));
diesel::joinable!(answer_words -> responses (response_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(password_history -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(sample_households -> sample_draws (draw_id));
diesel::joinable!(sample_communities -> sample_draws (draw_id));
diesel::joinable!(household_visits -> sample_households (household_id));
diesel::joinable!(sample_assignments -> sample_households (household_id));
diesel::joinable!(callbacks -> responses (response_id));
diesel::joinable!(callback_outcomes -> callbacks (callback_id));
diesel::joinable!(ledger_events -> ledger_items (item_id));
diesel::allow_tables_to_appear_in_same_query!(
    definitions,
    survey_salts,
    responses,
    supersessions,
    invites,
    users,
    api_tokens,
    audit_log,
    survey_closures,
    sessions,
    intake_tokens,
    dashboard_snapshots,
    interview_attempts,
    questionnaire_views,
    voice_themes,
    server_secrets,
    sample_frames,
    sample_draws,
    sample_communities,
    sample_households,
    sample_assignments,
    household_visits,
    callbacks,
    callback_outcomes,
    redactions,
    answer_words,
    answer_words_backlog,
    password_history,
    recovery_codes,
    ledger_items,
    ledger_events,
);
