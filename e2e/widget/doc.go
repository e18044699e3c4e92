// Package widget tests the chat widget (web/widget) end to end: the real
// widget in headless Chromium against a parleytest server, with an agent on
// the RTM API answering, and against the built parley binary serving a
// tenant made with its commands (TestWidgetWithoutDemo). Most tests use a
// desktop's window (1100×760); TestWidgetPhone walks the widget's items on
// a phone (375×667, touch). It holds no code of its own; everything lives
// in its tests.
//
// PARLEY_UPDATE_SCREENSHOTS=1 rewrites the widget's screenshots in
// docs/images: widget.png, widget-queue.png, widget-offline.png and
// widget-phone-*.png.
package widget
