// Package httpapi serves the Web API calls that the SDKs make over HTTP
// (the customer's send_file and check_goals, the agent's send_file), the
// Customer Web API v3.5 (web35.go), the uploaded files, and the server's
// /healthz.
//
// # Customer Web API v3.5
//
// POST /v3.5/customer/action/<action>?organization_id=<uuid> with
// "Authorization: Bearer <customer token>" of the organization's license.
// upload_file (multipart, field "file") stores a file and answers {"url"}
// without sending an event; check_goals answers {}; every other action of
// CustomerWebActions is run by Config.CustomerAction (the sessions' v3.5
// handlers, without a connection). A JSON body has the limits of an RTM
// request (protocol.MaxFrameBytes, protocol.MaxDepth). Errors are
// {"error":{"type","message"}} with the status of their type (statusOf);
// an unknown action is 404 not_found.
//
// An upload is stored under FilesDir/<license>/<id>/file. A file event
// names its upload by URL; Uploads turns the URL back into the file's
// details for the chat service (chat.Uploads), so a client can name only
// files uploaded to its license. The file and the directories that name
// it are synced to disk before its file event is stored (or, for
// upload_file, its URL answered), so an upload whose event was
// acknowledged survives a power loss as events do. Its URL is Config.PublicURL + "/files/…", or relative
// without a PublicURL.
//
// A customer's uploads are limited in count and bytes per hour
// (Config.UploadsPerHour, UploadBytesPerHour), send_file and upload_file
// together: past them an upload is answered
// 429 {"error":{"type":"too_many_requests"}} with Retry-After, before
// reading the file.
package httpapi
