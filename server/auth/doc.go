// Package auth issues and verifies access tokens and serves the endpoints
// that hand them out: the customer token endpoints of the accounts host
// (compatible with @livechat/customer-auth 0.4.0-alpha.x and 1.0.0) and the
// agent login.
//
// # Tokens
//
// A Signer makes and checks HMAC-SHA256 signed tokens:
//
//	base64url(JSON claims) "." base64url(HMAC-SHA256 of the first part)
//
// The claims name the kind (customer or agent), the license, the subject
// (customer id or agent id), the issue and expiry times in Unix seconds and
// a random token id. Verify compares MACs in constant time and accepts only
// the exact bytes Issue produced. Seal and Open are that signing for any
// data, under a key of its own purpose (DeriveKey): the server's v3.5 page
// ids use them too. A Signer alone cannot revoke a token:
// agent tokens are revoked in the store (chat.Store.RevokeToken by token id,
// RevokeAgentTokens by issue time). AgentTokens.Verify is the one check of
// an agent's bearer token, used by the agent RTM login and the agent Web
// API alike: signature, expiry, kind, revocation, and that the agent still
// exists.
//
// # Customer tokens (Accounts)
//
// Three flows share one validation and one identity:
//
//   - Iframe flow: GET /customer or GET /licence/g<license>_<group>/customer
//     with the query license_id, flow, response_type=token, client_id,
//     redirect_uri, post_message_uri and state. The answer is an HTML page
//     whose single script calls parent.postMessage(obj, targetOrigin), obj
//     being {"access_token","entity_id","expires_in","token_type":"Bearer",
//     "state"} or {"identity_exception"|"oauth_exception": code, "state"}.
//     targetOrigin is the origin of post_message_uri (redirect_uri when
//     absent), computed on the server; an error whose target is unusable is
//     posted to "*" (it carries nothing secret). Every value is
//     JSON-encoded into the script and a Content-Security-Policy allows only
//     that script, by hash. The page carries no frame-ancestors directive:
//     it is meant to be framed by the customer's site.
//   - XHR flow: POST /customer/token or POST
//     /licence/g<license>_<group>/customer/token with a JSON body (sent as
//     text/plain) {"response_type":"token","grant_type":"cookie",
//     "client_id","license_id","redirect_uri"}, or with the identity grant
//     (below). The answer is JSON with the same fields (plus client_id and
//     identity_token on success, without state), status 200 on
//     success and the status of the table below otherwise. Once the client
//     is known, an allowed request Origin (see below) is echoed in
//     Access-Control-Allow-Origin with Access-Control-Allow-Credentials:
//     true, on success and on the errors that follow; no other origin can
//     read any answer. OPTIONS answers preflights for any http(s) origin:
//     a preflight names no client, and the request it clears is checked
//     in full.
//   - v2 XHR flow (customer-auth 1.0.0, Customer Chat API v3.5): POST
//     /v2/customer/token or POST /v2/customer/<organization>/<group>/token
//     (the client's uniqueGroups) with the body of the XHR flow where
//     organization_id (a UUID string, chat.License.OrganizationID, in any
//     case) replaces license_id. The license is the organization's; the
//     answers, CORS and preflights are those of the XHR flow, and a token
//     answer also carries organization_id (canonical). The path's
//     organization must be the body's; its group is checked for form only
//     (0 or a positive integer). customer-auth 1.0.0 in a browser sends the
//     cookie grant only (its React Native build loads GET
//     /v2/customer/token in a WebView and reads a redirect, which is not
//     served); the identity grant is accepted here too.
//
// The customer id is kept in the cookie __lc_cid, which holds license and
// customer id signed with a key derived from the Signer key. It is HttpOnly,
// Path=/, Max-Age two years and renewed on every grant. A missing, forged
// or other-license cookie makes a new customer id. The v3.0 and v2 flows of
// one license read the same cookie, so a visitor keeps its id when a site
// moves to the newer SDK. Over TLS (r.TLS set or
// X-Forwarded-Proto: https) the cookie is SameSite=None; Secure, so the
// cross-site iframe and XHR send it back. Over plain HTTP it is
// SameSite=Lax without Secure, because browsers refuse SameSite=None
// without Secure: there a cross-site iframe or XHR cannot keep the cookie,
// and every token call from another site makes a new customer (same-site
// calls keep it). The group of the /licence/ paths is checked for form only;
// the identity is per license.
//
// # Identity grant
//
// A site of another origin than the server cannot keep the cookie where
// browsers block third-party cookies (Safari, Chrome's phase-out) or over
// plain HTTP, so the XHR flows also name the customer by an identity token
// that the page keeps in its own storage (the widget: localStorage of the
// host page's origin). Every successful XHR answer carries
// identity_token: the license, the client id and the customer id, with an
// expiry two years ahead (IdentityTTL), signed with HMAC-SHA256 under a key
// derived from the Signer key apart from the token and cookie keys. The
// body {"grant_type":"identity","identity_token":"…"} (with the other
// fields of the cookie grant) gets a token of that customer and a renewed
// identity token; the cookie is renewed too. The identity grant passes
// every check of the cookie grant first (client, license, redirect URI,
// Origin); then an identity token that is forged or altered, expired,
// made under another signing key, or of another license or client is
// refused with invalid_grant, and the page starts over with the cookie
// grant. A new signing key revokes every identity token at once (and
// every access token and cookie).
//
// Threat model: the identity token is a bearer credential for one
// customer of one license and client, stored where the host page's own
// scripts can read it. Script injection (XSS) on the host page can read
// it and chat as that customer from a listed origin, as it could with
// LiveChat's and Chatwoot's widgets, which keep the visitor's identity the
// same way; the HttpOnly cookie was out of its reach but is not kept
// across sites. It names no agent, gives no access to other customers or
// licenses, and cannot be turned into one for another client: the access
// tokens it gets are the ordinary eight-hour customer tokens. A page of an
// origin that is not listed cannot use a stolen identity token from the
// visitor's browser (the Origin check answers first); a server-side
// client can send any Origin, as it can with a stolen cookie.
//
// Tokens go only to allowed origins, so that no other site can obtain the
// token of a visitor whose browser holds the cookie: redirect_uri and
// post_message_uri must have an allowed origin, and so must the Origin
// header of the XHR flow when present; one of them must be given. The
// allowed origins of a client are
//
//   - the origin the request was sent to: its scheme (https over TLS or
//     with X-Forwarded-Proto: https) and Host. A browser always sends the
//     Host of the server it talks to, whichever page asks, so this admits
//     the server's own pages (the widget, the demo page) and no one else;
//   - the origin of Accounts.PublicURL;
//   - the client's RedirectOrigins (chat.Client), stored with the client:
//     the customer's sites that embed the chat.
//
// A client with RedirectURIs accepts only those as redirect_uri, besides
// the origin check: a redirect_uri must equal an entry or, for an entry
// ending with "/", start with it. A client without them accepts any
// redirect_uri of an allowed origin.
//
// X-Forwarded-Proto is believed as it comes; the server (package server)
// removes it, and X-Forwarded-Host, from requests that do not come from a
// trusted proxy.
//
// Checks run in this order; the first failure answers:
//
//	condition                                          field               code                       status
//	over the per-address rate (TokenLimits)            oauth_exception     too_many_requests          429
//	response_type missing                              oauth_exception     invalid_request            400
//	response_type not "token"                          oauth_exception     unsupported_response_type  400
//	grant_type missing (XHR flow)                      oauth_exception     invalid_request            400
//	grant_type not "cookie" or "identity" (XHR flow)   oauth_exception     unsupported_grant_type     400
//	identity_token missing (identity grant)            oauth_exception     invalid_request            400
//	client_id missing                                  oauth_exception     invalid_client             401
//	license_id missing, not a positive integer         oauth_exception     invalid_request            400
//	/licence/ segment malformed or of another license  oauth_exception     invalid_request            400
//	organization_id missing, not a UUID string (v2)    oauth_exception     invalid_request            400
//	/v2/customer/<organization>/<group>/ segments
//	  malformed, or of another organization            oauth_exception     invalid_request            400
//	redirect_uri or post_message_uri not an absolute
//	  http(s) URL; neither given (iframe flow);
//	  body not JSON (XHR flow)                         oauth_exception     invalid_request            400
//	client unknown                                     oauth_exception     invalid_client             401
//	client of another license                          identity_exception  license_not_found          400
//	license or organization unknown                    identity_exception  license_not_found          400
//	redirect_uri / post_message_uri origin not
//	  allowed, or no origin given at all; redirect_uri
//	  not one of the client's RedirectURIs             oauth_exception     redirect_uri_mismatch      400
//	Origin header not allowed (XHR flow)               oauth_exception     unauthorized_client        403
//	identity token forged, expired, of another key,
//	  license or client (identity grant)               oauth_exception     invalid_grant              400
//	store or signing failure                           oauth_exception     server_error               500
//
// The iframe page is served with the same status codes; browsers run its
// script whatever the status. A 429 carries Retry-After (seconds).
//
// # Agent login (AgentLogin)
//
// POST /v3.0/agent/login takes {"license_id":N,"email","password"}, checks
// the agent's bcrypt hash and answers {"access_token","token_type":"Bearer",
// "expires_in","entity_id","license_id"}, or 401
// {"error":{"type":"authentication","message"}}. An unknown agent and a
// wrong password are indistinguishable, in answer and in cost.
//
// Wrong passwords are limited per address and per account (LoginLimits):
// past the allowance the address or account is locked out, for longer at
// each new lockout, and every attempt meanwhile is answered 429
// {"error":{"type":"too_many_requests"}} with Retry-After, before any
// password is checked. Each failed login and each lockout is logged (warn)
// with the client's address.
package auth
