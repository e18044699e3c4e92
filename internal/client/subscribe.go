package client

import "github.com/parleychat/parley/internal/notify"

// On registers fn for every notification of type T: by T's Name, every
// notification when T is an interface, every unknown push when T is the
// client's unknown-push type.
func On[N, T notify.Named](c *Core[N], fn func(T)) (off func()) {
	return c.Notes.Add(keyOf[N, T](c), typed[N](fn))
}

// Once is On for the next notification of type T only.
func Once[N, T notify.Named](c *Core[N], fn func(T)) (off func()) {
	return c.Notes.AddOnce(keyOf[N, T](c), typed[N](fn))
}

func typed[N, T notify.Named](fn func(T)) func(N) {
	return func(n N) {
		if t, ok := any(n).(T); ok {
			fn(t)
		}
	}
}

func keyOf[N, T notify.Named](c *Core[N]) string {
	var zero T
	if any(zero) == nil {
		// T is an interface (the client's Notification itself): everything.
		return notify.All
	}
	if n, ok := any(zero).(N); ok && c.cfg.Unknown != nil && c.cfg.Unknown(n) {
		return UnknownKey
	}
	return zero.Name()
}
