//! A social sign-in from start to end. `start` makes the authorization URL and binds
//! the sign-in to the browser (a cookie whose secret the server keeps only hashed);
//! `finish` spends it at the callback, checks the provider's answer and starts an
//! ordinary browser session. Every outcome of the callback is a redirect.

use chrono::TimeDelta;

use std::sync::Arc;

use super::SocialError;
use super::linking::{self, Outcome};
use crate::auth::email_verification;
use crate::auth::session_lifecycle::{self, BrowserSession, SignInRecord};
use crate::auth::two_factor::{self, Holder};
use crate::config::{FrontendRoute, Settings};
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::single_use::{self, PendingSignIn, SocialSignIn};
use crate::db::{self, audit};
use crate::domain::{AuditEvent, FirstFactor, Removed, SignInMethod};
use crate::domain::{ClientInfo, UserId};
use crate::failure::Fault;
use crate::i18n::Lang;
use crate::limits::throttle::Action;
use crate::mail::SecurityNotice;
use crate::oidc::provider::Provider;
use crate::state::AppState;

const PENDING_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// A sign-in the front-end asked for, its return URLs already checked.
pub struct SignInStart {
    pub provider: Arc<Provider>,
    pub callback: url::Url,
    pub error_callback: url::Url,
    /// The signed-in user who started it: the identity is linked to them.
    pub link_to: Option<UserId>,
}

/// A sign-in under way: where to send the browser, and the secret that binds the
/// sign-in to it (the caller keeps it in a cookie for that long; the server keeps only
/// its hash).
pub struct SignInStarted {
    pub authorization_url: url::Url,
    pub binding: String,
    pub binding_seconds: i64,
}

/// Where the callback sends the browser: on to the sign-in's callback URL, with the
/// session it started (none when an identity was linked to a signed-in user), or to
/// its error URL with a code.
pub enum Finished {
    Done {
        to: url::Url,
        session: Option<BrowserSession>,
        /// The user has a second factor: no session yet, but this challenge (the
        /// `two_factor` cookie) and `to` is the app's code page.
        challenge: Option<String>,
    },
    Refused {
        to: url::Url,
        /// What refused it: the error URL's `?error=` is its code.
        failure: Box<SocialError>,
        /// Why, for the operator's log (never shown to the browser, never a secret).
        reason: String,
        /// No sign-in of this browser was pending (no binding cookie, or one already
        /// spent): typically a replayed callback, the back button after a success.
        unknown: bool,
    },
}

/// Starts a sign-in: the provider's authorization URL, and the binding secret.
pub async fn start(
    state: &AppState,
    client: &ClientInfo,
    request: SignInStart,
) -> Result<SignInStarted, SocialError> {
    state
        .throttle
        .check_ip(&state.pool, Action::SocialSignIn, client.ip)
        .await?;
    let provider = request.provider;
    let authorization = provider.authorization();
    let key = tokens::new_secret();
    let now = db::now();
    let pending = PendingSignIn {
        provider: provider.id.clone(),
        state: authorization.state,
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        callback_url: request.callback.to_string(),
        error_callback_url: request.error_callback.to_string(),
    };
    let (key_hash, link_to) = (tokens::hash_secret(&key), request.link_to);
    db::write(&state.pool, move |conn| -> Result<_, Fault> {
        let end = now + PENDING_LIFETIME;
        let linking = link_to.as_deref();
        Ok(single_use::insert(
            conn,
            SocialSignIn,
            &key_hash,
            linking,
            &pending,
            now,
            end,
        )?)
    })
    .await?;
    Ok(SignInStarted {
        authorization_url: authorization.url,
        binding: key,
        binding_seconds: PENDING_LIFETIME.num_seconds(),
    })
}

/// What the provider sent back in the query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set when the user declined, or the provider refused.
    pub error: Option<String>,
}

/// The callback: spends the sign-in bound to `key`, checks the provider's answer and
/// signs the user in (or links the identity).
pub async fn finish(
    state: &AppState,
    client: &ClientInfo,
    provider: &str,
    query: CallbackQuery,
    key: Option<String>,
    lang: Lang,
) -> Finished {
    match complete(state, client, provider, query, key, lang).await {
        Ok((to, Landed::Session(session))) => Finished::Done {
            to,
            session,
            challenge: None,
        },
        Ok((to, Landed::SecondFactor(challenge))) => Finished::Done {
            to,
            session: None,
            challenge: Some(challenge),
        },
        Err(refusal) => {
            let CallbackRefusal {
                to,
                failure,
                reason,
                unknown,
            } = *refusal;
            Finished::Refused {
                to,
                failure: Box::new(failure),
                reason,
                unknown,
            }
        }
    }
}

/// A callback refused: where to, what refused it, why (for the log), and whether no
/// sign-in of this browser was pending at all.
struct CallbackRefusal {
    to: url::Url,
    failure: SocialError,
    reason: String,
    unknown: bool,
}

impl CallbackRefusal {
    fn new(to: url::Url, failure: SocialError, reason: impl Into<String>) -> Box<Self> {
        Box::new(Self {
            to,
            failure,
            reason: reason.into(),
            unknown: false,
        })
    }

    /// OAUTH_FAILED with no sign-in pending in this browser.
    fn unknown(to: url::Url, reason: &str) -> Box<Self> {
        let mut refusal = Self::new(to, SocialError::OauthFailed, reason);
        refusal.unknown = true;
        refusal
    }
}

/// What a completed callback leaves the browser with.
enum Landed {
    /// A session (none when an identity was linked to a signed-in user).
    Session(Option<BrowserSession>),
    /// A challenge for the user's second factor.
    SecondFactor(String),
}

type Completed = Result<(url::Url, Landed), Box<CallbackRefusal>>;

/// A provider's `error=` as the log may show it: short, printable ASCII only.
fn printable(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(100)
        .collect()
}

async fn complete(
    state: &AppState,
    client: &ClientInfo,
    provider_id: &str,
    query: CallbackQuery,
    key: Option<String>,
    lang: Lang,
) -> Completed {
    let fallback = default_error_url(&state.settings);
    if let Err(e) = state
        .throttle
        .check_ip(&state.pool, Action::SocialSignIn, client.ip)
        .await
    {
        return Err(CallbackRefusal::new(
            fallback,
            e.into(),
            "this address is over its sign-in budget",
        ));
    }
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        let reason = "the binding cookie is missing: the callback reached another host than \
                      the one that started the sign-in (when the app proxies /api, set \
                      PUBLIC_ORIGIN to the app's origin), or the browser dropped the cookie \
                      or replayed the callback";
        return Err(CallbackRefusal::unknown(fallback, reason));
    };
    let key_hash = tokens::hash_secret(&key);
    let taken = db::write(&state.pool, move |conn| -> Result<_, SocialError> {
        Ok(single_use::take(conn, SocialSignIn, &key_hash)?)
    })
    .await;
    let (pending, link_user_id, expires_at) = match taken {
        Ok(Some(taken)) => (taken.payload, taken.user_id, taken.expires_at),
        Ok(None) => {
            let reason = "the sign-in is unknown or already finished (a replayed callback)";
            return Err(CallbackRefusal::unknown(fallback, reason));
        }
        Err(e) => {
            let reason = format!("database: {e}");
            return Err(CallbackRefusal::new(fallback, e, reason));
        }
    };
    let error_url = url::Url::parse(&pending.error_callback_url).unwrap_or(fallback);
    let fail =
        |failure, reason: String| Err(CallbackRefusal::new(error_url.clone(), failure, reason));
    let refuse = |reason: &str| fail(SocialError::OauthFailed, reason.to_owned());

    let state_matches = query
        .state
        .as_deref()
        .is_some_and(|given| tokens::hash_secret(given) == tokens::hash_secret(&pending.state));
    if let Some(error) = query.error.as_deref() {
        return refuse(&format!("the provider answered error={}", printable(error)));
    }
    if expires_at <= db::now() {
        return refuse("the sign-in took longer than 10 minutes");
    }
    if pending.provider != provider_id {
        return refuse(&format!(
            "the sign-in was started with `{}`",
            pending.provider
        ));
    }
    if !state_matches {
        return refuse("state mismatch: the callback's state is not the sign-in's");
    }
    let Some(code) = query.code else {
        return refuse("the callback carries no code");
    };
    let Some(provider) = state.social.get(provider_id) else {
        return refuse("the provider is not configured any more");
    };
    let identity = match provider
        .identify(
            state.social.http(),
            code,
            pending.pkce_verifier.clone(),
            &pending.nonce,
        )
        .await
    {
        Ok(identity) => identity,
        Err(e) => return refuse(&format!("the provider's token was refused: {e}")),
    };

    let callback = match url::Url::parse(&pending.callback_url) {
        Ok(url) => url,
        Err(_) => return refuse("the stored callback URL does not parse"),
    };
    let (provider_name, link_to) = (provider_id.to_owned(), link_user_id.clone());
    let must_verify = state.settings.accounts.require_email_verification;
    let lifetime = session_lifecycle::browser_lifetime(state, true);
    let visitor = client.clone();
    let letters = crate::auth::notices::Letters::new(state);
    // One transaction: the account made, linked or known, its audit entry, and what
    // the browser gets (its session, or the second factor's challenge).
    let resolved = db::write(&state.pool, move |conn| -> Result<_, SocialError> {
        let (user, outcome) = linking::resolve(
            conn,
            &provider_name,
            &identity,
            link_to.as_deref(),
            db::now(),
        )?;
        let provider = provider_name.clone();
        let event = match &outcome {
            Outcome::Known => None,
            Outcome::Created => Some(AuditEvent::UserSignup {
                method: SignInMethod::only(FirstFactor::Provider(provider.clone())),
            }),
            Outcome::Linked => Some(AuditEvent::UserAccountLinked {
                provider: provider.clone(),
            }),
            Outcome::Reclaimed(stripped) => Some(AuditEvent::UserAccountReclaimed {
                provider: provider.clone(),
                removed: Removed::from(*stripped),
            }),
        };
        let ip = visitor.ip_text();
        if let Some(event) = event {
            let entry = audit::Entry::by_user(&user.id, &user.email, ip.as_deref());
            audit::record(conn, &event, entry)?;
        }
        if let Outcome::Reclaimed(_) = outcome {
            let notice = SecurityNotice::AccountReclaimed;
            letters.notify(conn, &user.email, lang, notice)?;
        }
        let first = SignInMethod::only(FirstFactor::Provider(provider));
        let landing = if link_to.is_some() {
            // Linking from a signed-in session: that session goes on; no new one.
            Landing::Linked
        } else if must_verify && !user.email_verified {
            Landing::Unverified
        } else if user.two_factor_enabled_at.is_some() {
            // A provider proves one factor: a user who turned a second one on gives it
            // too.
            Landing::Challenge(two_factor::challenge(
                conn,
                &user,
                Holder::Browser,
                true,
                &first,
            )?)
        } else {
            decisions::take_turn(conn, Subject::Sessions(&user.id))?;
            let record = SignInRecord::login(first);
            Landing::Session(session_lifecycle::begin_browser_session(
                conn, &user, &visitor, lifetime, &record,
            )?)
        };
        Ok((user, outcome, landing))
    })
    .await;
    let (user, landing) = match resolved {
        Ok((user, _, landing)) => (user, landing),
        Err(e) => {
            let reason = format!("the identity was not accepted: {e}");
            return fail(e, reason);
        }
    };
    let opened = match landing {
        Landing::Linked => return Ok((callback, Landed::Session(None))),
        Landing::Unverified => {
            let refused = email_verification::refuse_unverified(state, &user, lang)
                .err()
                .unwrap_or(email_verification::NotVerified);
            return fail(
                refused.into(),
                "the account's address is not verified".into(),
            );
        }
        Landing::Challenge(pending) => {
            return Ok((
                code_page(&state.settings, &callback),
                Landed::SecondFactor(pending.challenge),
            ));
        }
        Landing::Session(opened) => opened,
    };
    match opened.into_cookie(&state.jwt, &user, true) {
        Ok(session) => Ok((callback, Landed::Session(Some(session)))),
        Err(e) => {
            let reason = format!("no session could be started: {e}");
            fail(e.into(), reason)
        }
    }
}

/// What the callback's transaction left the browser with.
enum Landing {
    Linked,
    Unverified,
    Challenge(two_factor::Pending),
    Session(session_lifecycle::OpenedSession),
}

/// What a takeover removed, for its audit entry.
/// The app's two-factor page (FRONTEND_ROUTES) with `?next=<callback>`: the page that
/// asks for the code; `next` is a path when the callback is on the app's origin.
fn code_page(settings: &Settings, callback: &url::Url) -> url::Url {
    let mut url = settings.frontend.page(FrontendRoute::TwoFactor);
    let next = if callback.origin() == url.origin() {
        let mut local = callback.path().to_owned();
        if let Some(query) = callback.query() {
            local.push('?');
            local.push_str(query);
        }
        local
    } else {
        callback.to_string()
    };
    url.query_pairs_mut().append_pair("next", &next);
    url
}

/// The app's login page: where errors go when the sign-in's own error URL is unknown.
pub fn default_error_url(settings: &Settings) -> url::Url {
    settings.frontend.page(FrontendRoute::Login)
}
