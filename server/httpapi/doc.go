// Package httpapi serves the Web API calls that the SDKs make over HTTP
// (the customer's send_file and check_goals, the agent's send_file), the
// uploaded files, and the server's /healthz.
//
// A customer's uploads are limited in count and bytes per hour
// (Config.UploadsPerHour, UploadBytesPerHour): past them send_file answers
// 429 {"error":{"type":"too_many_requests"}} with Retry-After, before
// reading the file.
package httpapi
