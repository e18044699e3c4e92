// Package console tests the agent console (web/console) end to end: the
// real page in headless Chromium, signed in as an agent of a parleytest
// server, chatting with customers of the Go SDK. It holds no code of its
// own; everything lives in its tests.
//
// PARLEY_UPDATE_SCREENSHOTS=1 rewrites docs/images/console.png (desktop,
// TestConsole) and docs/images/console-phone-list.png and
// console-phone-chat.png (375×667, TestConsolePhone), and
// console-reports.png and console-phone-reports.png (TestConsoleReports),
// console-replies.png (TestConsoleSavedReplies), console-search.png
// (TestConsoleSearch) and console-notes.png (a private note and a tag,
// TestConsoleNotesAndTags), console-offline.png (TestConsoleOfflineMessages)
// and console-phone-replies.png (TestConsolePhoneTools: the filters, search,
// saved replies, notes, tags and alerts at 375×667).
//
// TestConsoleTagsOfEveryThread checks that the tag filter and the chips
// agree across a chat's threads.
//
// TestConsoleAlerts grants the page the notifications permission over CDP
// and wraps the browser's Notification and AudioContext before the
// console loads, to count what it shows and plays; Parley itself is not
// stubbed.
package console
