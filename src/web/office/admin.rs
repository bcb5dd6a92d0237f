//! Admin actions: closing a survey, accounts (list, add, disable, enable), the audit
//! log; and everyone's own password and second factor. Every change needs the session's CSRF token and
//! is recorded in the audit log.

use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{get, post, State};

use crate::accounts::{self, AccountError};
use crate::definition::{Lang, Survey};
use crate::storage::StorageError;
use crate::web::error::WebError;
use crate::web::html::admin as html;
use crate::web::session::{self, CsrfForm, Session};
use crate::web::state::App;

#[post("/office/<id>/close", data = "<form>")]
pub async fn close(
    app: &State<App>,
    session: Session,
    id: &str,
    form: Form<CsrfForm<'_>>,
) -> Result<Redirect, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.is_admin())?;
    session.check_csrf(form.csrf)?;
    let (sid, by) = (s.id.clone(), session.user.username.clone());
    app.blocking(move |st| match st.close_survey(&sid, &by) {
        Ok(()) | Err(StorageError::AlreadyClosed(_)) => Ok(()),
        Err(e) => Err(e),
    })
    .await?;
    app.forget_closure(&s.id);
    app.audit(&session.user.username, "close_survey", &s.id)
        .await;
    Ok(Redirect::to(format!("/office/{}", s.id)))
}

/// Districts of every loaded survey, for the district officer's select.
fn district_choices(app: &App, l: Lang) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = app
        .surveys
        .values()
        .flat_map(|s| {
            s.districts
                .iter()
                .map(|d| (d.code.clone(), d.name.get(l).to_string()))
        })
        .collect();
    v.sort();
    v.dedup_by(|a, b| a.0 == b.0);
    v
}

/// The users page, with a message (`added`, or why an addition was refused).
async fn users_page(
    app: &App,
    session: &Session,
    l: Lang,
    msg: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let rows = app.blocking(|s| s.users()).await?;
    Ok(html::users(
        l,
        &session.who(),
        &rows,
        &district_choices(app, l),
        msg,
    ))
}

#[get("/office/users?<lang>&<msg>")]
pub async fn users(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
    msg: Option<&str>,
) -> Result<maud::Markup, WebError> {
    session.need(session.user.is_admin())?;
    users_page(app, &session, Lang::from_code(lang), msg).await
}

#[derive(FromForm)]
pub struct NewUserForm<'r> {
    csrf: &'r str,
    username: &'r str,
    password: &'r str,
    role: &'r str,
    district: Option<&'r str>,
    lang: Option<&'r str>,
}

#[post("/office/users", data = "<form>")]
pub async fn add_user(
    app: &State<App>,
    session: Session,
    form: Form<NewUserForm<'_>>,
) -> Result<Result<Redirect, (Status, maud::Markup)>, WebError> {
    let l = Lang::from_code(form.lang);
    session.need(session.user.is_admin())?;
    session.check_csrf(form.csrf)?;
    if let Err(e) = add(app, &form).await? {
        let page = users_page(app, &session, l, Some(&e.to_string())).await?;
        return Ok(Err((Status::UnprocessableEntity, page)));
    }
    let d = form
        .district
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or("-");
    let detail = format!("{} role={} district={d}", form.username.trim(), form.role);
    app.audit(&session.user.username, "user_add", &detail).await;
    Ok(Ok(Redirect::to(format!(
        "/office/users?lang={}&msg=added",
        l.code()
    ))))
}

/// Adds the form's account; the inner error is the admin's to fix (shown on the page).
async fn add(app: &App, form: &NewUserForm<'_>) -> Result<Result<i64, AccountError>, WebError> {
    let district = form
        .district
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    let (u, p, r) = (
        form.username.trim().to_string(),
        form.password.to_string(),
        form.role.to_string(),
    );
    let surveys: Vec<std::sync::Arc<Survey>> = app.surveys.values().cloned().collect();
    let rules = app.policy.passwords.clone();
    app.blocking(move |store| {
        let refs: Vec<&Survey> = surveys.iter().map(|s| s.as_ref()).collect();
        Ok::<_, WebError>(accounts::add_user(
            store,
            &rules,
            &refs,
            &u,
            &p,
            &r,
            district.as_deref(),
        ))
    })
    .await
}

#[post("/office/users/<name>/<action>", data = "<form>")]
pub async fn user_action(
    app: &State<App>,
    session: Session,
    name: &str,
    action: &str,
    form: Form<CsrfForm<'_>>,
) -> Result<Redirect, WebError> {
    session.need(session.user.is_admin())?;
    session.check_csrf(form.csrf)?;
    let disable = match action {
        "disable" => true,
        "enable" => false,
        other => {
            return Err(WebError::not_found(format!(
                "no user action `{other}`; use disable or enable"
            )))
        }
    };
    if disable && name == session.user.username {
        return Err(WebError::bad_request(
            "you cannot disable your own account; ask another admin".into(),
        ));
    }
    let n = name.to_string();
    app.blocking(move |s| s.set_disabled(&n, disable)).await?;
    app.audit(&session.user.username, &format!("user_{action}"), name)
        .await;
    Ok(Redirect::to("/office/users"))
}

/// Use of a page that sent nothing else (typing into a long form): the session guard
/// has counted it as activity, which is all this is for.
#[get("/office/keepalive")]
pub fn keepalive(_session: Session) -> Status {
    Status::NoContent
}

/// Two-step sign-in: enrol an authenticator app, or see that it is enrolled.
#[get("/office/2fa?<lang>")]
pub async fn two_factor_page(
    app: &State<App>,
    jar: &CookieJar<'_>,
    session: Session,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let l = Lang::from_code(lang);
    let id = session.user.id;
    match app.blocking(move |s| s.second_factor_of(id)).await? {
        Some(left) => Ok(html::two_factor_on(l, &session.who(), left)),
        None => Ok(enrol_page(app, jar, &session, l, None)),
    }
}

/// The enrolment page for the secret being enrolled (a new one on first sight).
fn enrol_page(
    app: &App,
    jar: &CookieJar<'_>,
    session: &Session,
    l: Lang,
    error: Option<&str>,
) -> maud::Markup {
    let secret = session::enrolling(jar).unwrap_or_else(|| {
        let s = accounts::totp::new_secret();
        session::set_enrolling(jar, &s);
        s
    });
    let issuer = format!(
        "minyi {}",
        app.base_url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
    );
    let uri = accounts::totp::otpauth_uri(&secret, &session.user.username, &issuer);
    let qr = crate::qr::svg_of(
        &uri,
        l.pick("验证器应用的二维码", "QR code for the authenticator app"),
    )
    .ok();
    html::two_factor_enrol(l, &session.who(), &secret, qr.as_deref(), error)
}

#[derive(FromForm)]
pub struct CodeForm<'r> {
    csrf: &'r str,
    code: &'r str,
    lang: Option<&'r str>,
}

/// Confirms the enrolment with the app's first code; shows the recovery codes once.
#[post("/office/2fa", data = "<form>")]
pub async fn two_factor_enrol(
    app: &State<App>,
    jar: &CookieJar<'_>,
    session: Session,
    form: Form<CodeForm<'_>>,
) -> Result<(Status, maud::Markup), WebError> {
    let l = Lang::from_code(form.lang);
    session.check_csrf(form.csrf)?;
    let refused = |why: &str| {
        let page = enrol_page(app, jar, &session, l, Some(why));
        Ok((Status::UnprocessableEntity, page))
    };
    let Some(secret) = session::enrolling(jar) else {
        return refused(l.pick(
            "二维码已过期，请用下面的新二维码重新添加。",
            "That QR code expired: add the new one below instead.",
        ));
    };
    let (id, typed, now) = (session.user.id, form.code.to_string(), app.now());
    let codes = app
        .blocking(move |s| accounts::enrol_second_factor(s, id, &secret, &typed, now))
        .await?;
    let Some(codes) = codes else {
        return refused(l.pick(
            "验证码不正确：请输入应用中本账号当前显示的6位数字（手机时间需准确）。",
            "Wrong code: enter the 6 digits the app shows now for this account (the phone's clock must be right).",
        ));
    };
    session::clear_enrolling(jar);
    app.audit(&session.user.username, "2fa_enrol", "").await;
    Ok((Status::Ok, html::recovery_codes(l, &session.who(), &codes)))
}

/// `aged`: sent here because the password is older than the rules allow.
#[get("/office/password?<lang>&<aged>")]
pub fn password_page(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
    aged: Option<&str>,
) -> maud::Markup {
    let l = Lang::from_code(lang);
    let msg = aged.map(|_| {
        (
            false,
            l.pick(
                "您的密码已超过规定的使用期限，请先修改密码再继续使用。",
                "Your password is older than the rules allow: change it to go on.",
            )
            .to_string(),
        )
    });
    html::password(l, &session.who(), msg, &app.policy.passwords)
}

#[derive(FromForm)]
pub struct PasswordForm<'r> {
    csrf: &'r str,
    current: &'r str,
    new: &'r str,
    again: &'r str,
    lang: Option<&'r str>,
}

/// Any signed-in user changes their own password (the current one is asked again).
#[post("/office/password", data = "<form>")]
pub async fn change_password(
    app: &State<App>,
    session: Session,
    form: Form<PasswordForm<'_>>,
) -> Result<(Status, maud::Markup), WebError> {
    let l = Lang::from_code(form.lang);
    session.check_csrf(form.csrf)?;
    let changed = change(app, &session, &form).await?;
    let (status, msg) = match changed {
        Ok(()) => (
            Status::Ok,
            (
                true,
                l.pick("密码已修改。", "Password changed.").to_string(),
            ),
        ),
        Err(e) => (
            Status::UnprocessableEntity,
            (false, refusal(&e, l).ok_or(e)?),
        ),
    };
    if status == Status::Ok {
        app.audit(
            &session.user.username,
            "user_passwd",
            &session.user.username,
        )
        .await;
    }
    Ok((
        status,
        html::password(l, &session.who(), Some(msg), &app.policy.passwords),
    ))
}

/// Changes the password on the blocking pool (argon2); the inner error is the user's.
async fn change(
    app: &App,
    session: &Session,
    form: &PasswordForm<'_>,
) -> Result<Result<(), AccountError>, WebError> {
    let name = session.user.username.clone();
    let (cur, new, again) = (
        form.current.to_string(),
        form.new.to_string(),
        form.again.to_string(),
    );
    let rules = app.policy.passwords.clone();
    let now = app.now();
    app.blocking(move |s| {
        let change = accounts::PasswordChange {
            current: &cur,
            new: &new,
            again: &again,
        };
        Ok::<_, WebError>(accounts::change_password(s, &rules, &name, change, now))
    })
    .await
}

/// Why a password change was refused, in the form's words (`None`: not the user's doing).
fn refusal(e: &AccountError, l: Lang) -> Option<String> {
    let said = |zh: &str, en: &str| Some(l.pick(zh, en).to_string());
    match e {
        AccountError::PasswordsDiffer => said("两次输入的新密码不一致。", "The two new passwords differ."),
        AccountError::WrongPassword => said("当前密码不正确。", "The current password is wrong."),
        AccountError::PasswordTooShort(n) => Some(
            l.pick("新密码太短：至少{n}个字符。", "The new password is too short: at least {n} characters.")
                .replace("{n}", &n.to_string()),
        ),
        AccountError::PasswordTooPlain { need, have } => Some(
            l.pick(
                "新密码只含{have}类字符：须含小写字母、大写字母、数字、其他字符（空格、标点、汉字）中的{need}类。",
                "The new password mixes {have} kind(s) of character: use {need} of lower-case letters, capitals, digits and others (spaces, punctuation, Chinese).",
            )
            .replace("{have}", &have.to_string())
            .replace("{need}", &need.to_string()),
        ),
        AccountError::PasswordHasUsername => said("新密码不能包含用户名。", "The new password may not contain the username."),
        AccountError::PasswordReused(n) => Some(
            l.pick("新密码不能与最近{n}次用过的密码相同。", "The new password may not be one of your last {n}.")
                .replace("{n}", &n.to_string()),
        ),
        _ => None,
    }
}

#[get("/office/audit?<lang>")]
pub async fn audit(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    session.need(session.user.is_admin())?;
    let rows = app.blocking(|s| s.audit_log(500)).await?;
    Ok(html::audit(Lang::from_code(lang), &session.who(), &rows))
}

/// The database's deep consistency check (every page), for admins.
#[get("/office/db?<lang>")]
pub async fn db_check(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    session.need(session.user.is_admin())?;
    let check = app.blocking(|s| s.deep_check()).await?;
    let summary = match check.problems() {
        p if p.is_empty() => "ok".to_string(),
        p => p.join("; "),
    };
    app.audit(&session.user.username, "db_check", &summary)
        .await;
    Ok(html::db_check(
        Lang::from_code(lang),
        &session.who(),
        &check,
    ))
}
