use actix_web::http::StatusCode;

use crate::i18n::Lang;

/// The contract's error codes. The code is for programs and never changes with
/// the language; the message is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    ValidationError,
    EmailTaken,
    InvalidToken,
    InvalidPassword,
    Unauthorized,
    InvalidCredentials,
    TokenReused,
    AccountDisabled,
    Forbidden,
    CsrfFailed,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    InvalidRequest,
    RateLimited,
    InternalError,
    ServiceUnavailable,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        Self::ValidationError,
        Self::EmailTaken,
        Self::InvalidToken,
        Self::InvalidPassword,
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::TokenReused,
        Self::AccountDisabled,
        Self::Forbidden,
        Self::CsrfFailed,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::InvalidRequest,
        Self::RateLimited,
        Self::InternalError,
        Self::ServiceUnavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationError => "VALIDATION_ERROR",
            Self::EmailTaken => "EMAIL_TAKEN",
            Self::InvalidToken => "INVALID_TOKEN",
            Self::InvalidPassword => "INVALID_PASSWORD",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::TokenReused => "TOKEN_REUSED",
            Self::AccountDisabled => "ACCOUNT_DISABLED",
            Self::Forbidden => "FORBIDDEN",
            Self::CsrfFailed => "CSRF_FAILED",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalError => "INTERNAL_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::ValidationError
            | Self::EmailTaken
            | Self::InvalidToken
            | Self::InvalidPassword => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials | Self::TokenReused => {
                StatusCode::UNAUTHORIZED
            }
            Self::AccountDisabled | Self::Forbidden | Self::CsrfFailed => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidRequest => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The code for a response the framework produced on its own (no handler error).
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::ValidationError,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::InvalidRequest,
            429 => Self::RateLimited,
            503 => Self::ServiceUnavailable,
            400..=499 => Self::InvalidRequest,
            _ => Self::InternalError,
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.message_en(),
            Lang::Ja => self.message_ja(),
        }
    }

    fn message_en(self) -> &'static str {
        match self {
            Self::ValidationError => "Invalid input",
            Self::EmailTaken => "An account with this email already exists",
            Self::InvalidToken => "This link is invalid or has expired",
            Self::InvalidPassword => "The password is incorrect",
            Self::Unauthorized => "Please sign in",
            Self::InvalidCredentials => "Incorrect email or password",
            Self::TokenReused => "This session has ended for your security; please sign in again",
            Self::AccountDisabled => "This account has been disabled",
            Self::Forbidden => "You are not allowed to do this",
            Self::CsrfFailed => "The request came from an origin that is not allowed",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::PayloadTooLarge => "The request body is too large (limit 64 KiB)",
            Self::UnsupportedMediaType => {
                "The request body must be JSON (Content-Type: application/json)"
            }
            Self::InvalidRequest => "The request body is not valid JSON",
            Self::RateLimited => "Too many attempts; please try again later",
            Self::InternalError => "Something went wrong on our side",
            Self::ServiceUnavailable => "The service is temporarily unavailable",
        }
    }

    fn message_ja(self) -> &'static str {
        match self {
            Self::ValidationError => "入力内容が正しくありません",
            Self::EmailTaken => "このメールアドレスは既に登録されています",
            Self::InvalidToken => "このリンクは無効か、有効期限が切れています",
            Self::InvalidPassword => "パスワードが正しくありません",
            Self::Unauthorized => "ログインしてください",
            Self::InvalidCredentials => "メールアドレスまたはパスワードが正しくありません",
            Self::TokenReused => "安全のためセッションを終了しました。もう一度ログインしてください",
            Self::AccountDisabled => "このアカウントは無効化されています",
            Self::Forbidden => "この操作は許可されていません",
            Self::CsrfFailed => "許可されていないオリジンからのリクエストです",
            Self::NotFound => "見つかりません",
            Self::MethodNotAllowed => "このメソッドは使用できません",
            Self::PayloadTooLarge => "リクエスト本文が大きすぎます（上限 64 KiB）",
            Self::UnsupportedMediaType => {
                "リクエスト本文は JSON（Content-Type: application/json）で送ってください"
            }
            Self::InvalidRequest => "リクエスト本文が正しい JSON ではありません",
            Self::RateLimited => "試行回数が多すぎます。しばらくしてから再度お試しください",
            Self::InternalError => "サーバーでエラーが発生しました",
            Self::ServiceUnavailable => "現在サービスを利用できません",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
