package render

import (
	"container/list"
	"context"
	"image"
	"sync"
)

// ImageCache keeps decoded (and filtered) images across plans, so one
// template rendered for many recipients decodes its artwork once. It is
// bounded by the total pixels it holds, evicting the least recently used,
// and is safe for concurrent use; concurrent requests for the same image
// decode it once. Cached images are shared and never modified.
type ImageCache struct {
	mu        sync.Mutex
	maxPixels int
	used      int
	entries   map[string]*list.Element
	lru       list.List // of *cacheEntry, most recent first
}

type cacheEntry struct {
	key   string
	img   *image.RGBA
	ready chan struct{} // closed once img (or err) is set
	err   error
}

// NewImageCache returns a cache holding up to maxPixels pixels of decoded
// images (4 bytes each); 0 means 32 million (128 MB). A template's own
// artwork is held by its compiled plan, so the cache mostly serves images
// records share; with a photo per recipient it would otherwise grow to its
// bound and dominate a batch's memory.
func NewImageCache(maxPixels int) *ImageCache {
	if maxPixels <= 0 {
		maxPixels = 32e6
	}
	return &ImageCache{maxPixels: maxPixels, entries: map[string]*list.Element{}}
}

// get returns the image for key, calling load once if it is not cached.
// Failures are not cached.
func (c *ImageCache) get(ctx context.Context, key string, load func() (*image.RGBA, error)) (*image.RGBA, error) {
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*cacheEntry)
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return c.get(ctx, key, load) // the loader failed; try ourselves
		}
		return e.img, nil
	}
	e := &cacheEntry{key: key, ready: make(chan struct{})}
	c.entries[key] = c.lru.PushFront(e)
	c.mu.Unlock()

	img, err := load()
	c.mu.Lock()
	defer c.mu.Unlock()
	e.img, e.err = img, err
	close(e.ready)
	if err != nil {
		if el, ok := c.entries[key]; ok && el.Value == e {
			c.lru.Remove(el)
			delete(c.entries, key)
		}
		return nil, err
	}
	c.used += pixels(img)
	for c.used > c.maxPixels && c.lru.Len() > 1 {
		el := c.lru.Back()
		old := el.Value.(*cacheEntry)
		select {
		case <-old.ready:
		default:
			return img, nil // still loading; keep it
		}
		c.lru.Remove(el)
		delete(c.entries, old.key)
		c.used -= pixels(old.img)
	}
	return img, nil
}

func pixels(img *image.RGBA) int {
	if img == nil {
		return 0
	}
	return img.Rect.Dx() * img.Rect.Dy()
}
