// Package httpapi serves the Web API calls that the SDKs make over HTTP
// (the customer's send_file and check_goals, the agent's send_file), the
// uploaded files, and the server's /healthz.
//
// An upload is stored under FilesDir/<license>/<id>/file. The file and the
// directories that name it are synced to disk before its file event is
// stored, so an upload whose event was acknowledged survives a power loss
// as events do. Its URL is Config.PublicURL + "/files/…", or relative
// without a PublicURL.
//
// A customer's uploads are limited in count and bytes per hour
// (Config.UploadsPerHour, UploadBytesPerHour): past them send_file answers
// 429 {"error":{"type":"too_many_requests"}} with Retry-After, before
// reading the file.
package httpapi
