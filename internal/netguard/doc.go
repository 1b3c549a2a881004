// Package netguard holds the outbound-connection rules shared by every
// part of fabricpress that fetches or posts to a URL a user supplied
// (remote images in render/asset, webhooks in batch/notify): which hosts
// are allowed (the -allow-hosts syntax) and which addresses are never
// connected to (anything not public unicast, judged on the address
// actually dialled, after DNS).
package netguard
