//! The office dashboard's routes, by concern. Every handler: the session guard, one
//! access question (`access::scoped` for figures, a role method otherwise), one
//! library call, a response.

mod access;
mod admin;
mod api;
mod charts;
mod downloads;
mod field;
mod interviews;
mod ledger;
mod pages;
mod sample;

/// Every dashboard, admin, interview and read-API route.
pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        pages::home,
        pages::survey_page,
        pages::district_page,
        pages::street_page,
        pages::community_page,
        pages::quality_page,
        pages::voices_page,
        pages::confirm_themes,
        pages::interviewers_page,
        pages::funnel_page,
        api::summary,
        api::estimates,
        api::openapi,
        charts::city_chart,
        charts::district_chart,
        downloads::city_download,
        downloads::district_download,
        downloads::posters,
        downloads::qr_image,
        admin::close,
        admin::users,
        admin::add_user,
        admin::user_action,
        admin::audit,
        admin::db_check,
        admin::password_page,
        admin::keepalive,
        admin::two_factor_page,
        admin::two_factor_enrol,
        admin::change_password,
        field::my_households,
        field::household_page,
        field::visit,
        field::interview_page,
        field::interview_submit,
        field::field_item,
        field::field_csrf,
        sample::sample_page,
        sample::draw,
        sample::assign,
        sample::sheet,
        sample::callbacks_page,
        sample::draw_callbacks,
        sample::callback_outcome,
        interviews::interview_start,
        interviews::interview_choose,
        interviews::interview_page,
        interviews::interview_submit,
        interviews::interview_attempt,
        ledger::ledger_page,
        ledger::ledger_download,
        ledger::resurvey_posters,
        ledger::ledger_api,
        ledger::new_item_page,
        ledger::open_item,
        ledger::item_page,
        ledger::change_item,
    ]
}
