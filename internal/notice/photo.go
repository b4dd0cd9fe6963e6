package notice

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"time"
)

// Photo limits.
const (
	MaxPhotoBytes = 5 << 20
	MaxPhotoSide  = 8000
	MinPhotoSide  = 16
)

// Photo is a stored image, named by the SHA-256 of its bytes.
type Photo struct {
	SHA256      string
	ContentType string
	Size        int64
	Width       int
	Height      int
	Data        []byte
	CreatedAt   time.Time
}

// CheckPhoto returns the Photo of data, or an errs.Invalid error naming
// "photo" when data is empty, larger than MaxPhotoBytes, not a JPEG or PNG
// by its first bytes, does not decode, or has dimensions outside
// MinPhotoSide to MaxPhotoSide.
func CheckPhoto(data []byte) (Photo, error) {
	const op = "notice.CheckPhoto"
	if len(data) == 0 {
		return Photo{}, invalid(op, "photo", ProblemPhotoEmpty, "the photo is empty")
	}
	if len(data) > MaxPhotoBytes {
		return Photo{}, invalid(op, "photo", ProblemPhotoTooBig, "a photo is at most %d MB", MaxPhotoBytes>>20)
	}
	var ct string
	var cfg image.Config
	var err error
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		ct = "image/jpeg"
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		ct = "image/png"
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	default:
		return Photo{}, invalid(op, "photo", ProblemPhotoType, "a photo must be a JPEG or PNG image")
	}
	if err != nil {
		return Photo{}, invalid(op, "photo", ProblemPhotoDecode, "the image does not decode as %s", ct)
	}
	if cfg.Width < MinPhotoSide || cfg.Height < MinPhotoSide || cfg.Width > MaxPhotoSide || cfg.Height > MaxPhotoSide {
		return Photo{}, invalid(op, "photo", ProblemPhotoSize, "a photo is %d to %d pixels on each side", MinPhotoSide, MaxPhotoSide)
	}
	sum := sha256.Sum256(data)
	return Photo{SHA256: hex.EncodeToString(sum[:]), ContentType: ct, Size: int64(len(data)), Width: cfg.Width, Height: cfg.Height, Data: data}, nil
}
