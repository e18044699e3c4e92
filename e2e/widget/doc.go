// Package widget tests the chat widget (web/widget) end to end: the real
// widget in headless Chromium against a parleytest server, with an agent on
// the RTM API answering, and against the built parley binary serving a
// tenant made with its commands (TestWidgetWithoutDemo). It holds no code of
// its own; everything lives in its tests.
//
// PARLEY_UPDATE_SCREENSHOTS=1 rewrites docs/images/widget.png.
package widget
