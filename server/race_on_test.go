//go:build race

package server_test

// raceDetector is true when the tests run with -race.
const raceDetector = true
