package protocol

// Error types of the Customer Chat API v3.0 (the `type` of an error payload).
const (
	ErrInternal            = "internal"
	ErrCustomerBanned      = "customer_banned"
	ErrValidation          = "validation"
	ErrAuthorization       = "authorization"
	ErrAuthentication      = "authentication"
	ErrLicenseExpired      = "license_expired"
	ErrRequestTimeout      = "request_timeout"
	ErrUnsupportedVersion  = "unsupported_version"
	ErrMisdirectedRequest  = "misdirected_request"
	ErrGroupUnavailable    = "group_unavailable"
	ErrEntityTooLarge      = "entity_too_large"
	ErrGroupOffline        = "group_offline"
	ErrGroupsOffline       = "groups_offline"
	ErrUsersLimitReached   = "users_limit_reached"
	ErrWrongProductVersion = "wrong_product_version"
	ErrLicenseNotFound     = "license_not_found"
	ErrGroupNotFound       = "group_not_found"
	// ErrNotFound answers a request naming a chat, thread or event that does
	// not exist or that the requester may not see: the two are never told
	// apart. (The JS SDK reports it as REQUEST_FAILED with the message.)
	ErrNotFound = "not_found"
	// ErrTooManyRequests refuses a request over a rate limit or quota:
	// more than MaxRequestsInFlight on one connection, too many uploads,
	// and, in HTTP answers (status 429, with Retry-After), too many logins
	// or token requests. The connection stays up. (The JS SDK reports it
	// as REQUEST_FAILED with the message.)
	ErrTooManyRequests = "too_many_requests"
)

// MaxRequestsInFlight is how many requests a client may have sent on one
// connection and not yet had answered: LiveChat's limit, and the default of
// Parley's server. The server answers more with ErrTooManyRequests; the Go
// clients wait for an answer instead of sending more.
const MaxRequestsInFlight = 10

// Error is the error payload of a failed response:
// {"error":{"type":…,"message":…,"data":…}}.
type Error struct {
	Type    string         `json:"type"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Is makes errors.Is match two *Error values of the same Type.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// Errorf is a shorthand for &Error{Type: typ, Message: msg}.
func Errorf(typ, msg string) *Error { return &Error{Type: typ, Message: msg} }

// Disconnect reasons of the customer_disconnected push.
const (
	ReasonCustomerBanned             = "customer_banned"
	ReasonTooManyConnections         = "too_many_connections"
	ReasonTooManyUnauthorized        = "too_many_unauthorized_connections"
	ReasonCustomerTemporarilyBlocked = "customer_temporarily_blocked"
	ReasonLicenseNotFound            = "license_not_found"
	ReasonUnsupportedVersion         = "unsupported_version"
	ReasonProductVersionChanged      = "product_version_changed"
	ReasonConnectionTimeout          = "connection_timeout"
	ReasonPingTimeout                = "ping_timeout"
	ReasonInactivityTimeout          = "inactivity_timeout"
	ReasonInternalError              = "internal_error"
	ReasonMisdirectedConnection      = "misdirected_connection"
	ReasonAccessTokenExpired         = "access_token_expired"
	// ReasonServiceShutdown tells the client the server is going away and
	// it should connect again.
	ReasonServiceShutdown = "service_temporarily_unavailable"
	// ReasonSlowConsumer: the client did not read its pushes fast enough;
	// it should reconnect and fetch what it missed.
	ReasonSlowConsumer = "slow_consumer"
	// ReasonAccessTokenRevoked (agent_disconnected): the connection's token
	// was revoked; it needs a new one.
	ReasonAccessTokenRevoked = "access_token_revoked"
)

// ReasonIsFinal reports whether a client receiving customer_disconnected
// with reason should stop (true) rather than reconnect. It matches what the
// JS SDK does: these four reasons destroy it, every other one reconnects.
func ReasonIsFinal(reason string) bool {
	switch reason {
	case ReasonCustomerBanned, ReasonLicenseNotFound, ReasonProductVersionChanged, ReasonUnsupportedVersion:
		return true
	}
	return false
}
