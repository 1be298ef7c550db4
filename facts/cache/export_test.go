package cache

func SetDebugParsed(f func(string)) { debugParsed = f }
