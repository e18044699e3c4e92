// Package console serves the agent console: a single-page app, plain ES
// modules and CSS with no build step, embedded in the binary. Agents sign
// in with their e-mail and password (POST /v3.0/agent/login), and the
// page then talks to the Agent Chat API over its RTM WebSocket
// (/v3.0/agent/rtm/ws) and uploads files with send_file (see
// docs/agent-api.md).
//
// Mount it under /agent:
//
//	mux.Handle("/agent/", console.Handler(console.DefaultLicense(123)))
//
// (http.ServeMux redirects /agent to /agent/.) Every answer carries a
// strict Content-Security-Policy: scripts and styles only from the
// server's own origin, no inline script, connections only to the
// server's origin and WebSockets, images only from the origin (uploaded
// files), data: and blob: URLs.
//
// On a screen 640 px wide or less (a phone) the page shows one pane at a
// time, the chat list, the open chat or its customer, with back buttons
// that the browser's back follows; wider, the three side by side.
//
// The Reports page (reports.js) shows get_report over the last 7 or 30
// days, of every group or of one: totals, a bar chart of chats per day drawn as SVG by the page
// itself (with a table of the same numbers), times and ratings per agent
// and per group, and the latest rating comments.
//
// For the agent's day: saved replies (replies.js) are offered as the agent
// types "#" and a shortcut in the reply box (list_canned_responses; ↑/↓,
// Enter or Tab, a click, Escape), and managed by owners and administrators
// in a dialog over the Configuration API (on a wider screen: a phone's
// composer keeps only the suggestions); a filter bar (filters.js) keeps
// the chats that are the agent's, unassigned, closed or offline messages;
// alerts (notify.js), switched on in the top bar and kept in localStorage,
// play a WebAudio tone and show a desktop notification for a customer's
// message in a chat that is not open or while the page is hidden.
// The search box above the chat list (search.js) calls search_chats as
// the agent types and shows the chats found in place of the list, each
// with its snippet, the query's words marked (text nodes only); a result
// opens the chat, archived or not, scrolled to the match.
// The composer's Note toggle (notes.js) sends private notes (visibility
// "agents"), shown yellow and labelled as visible to agents only; tags.js
// shows the open chat's tags as chips with add and remove, and filters
// the chat list by tag (list_chats filters.tag).
//
// The handler is safe for concurrent use; its assets are built once per
// process.
package console
