package property

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// MaxImageBytes is the largest image accepted.
const MaxImageBytes = 10 << 20

// SniffImage returns the content type of a JPEG or PNG image from its magic
// bytes, or an errs.Invalid error naming "image".
func SniffImage(data []byte) (string, error) {
	const op = "property.SniffImage"
	switch {
	case len(data) == 0:
		return "", errs.Invalidf(op, "image", "the image is empty")
	case len(data) > MaxImageBytes:
		return "", errs.Invalidf(op, "image", "the image is larger than %d MB", MaxImageBytes>>20)
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	}
	return "", errs.Invalidf(op, "image", "the image must be a JPEG or PNG file")
}

// AddImage stores an image and adds it to an artwork (owner only): a new
// version. It returns the updated artwork.
func (s *Service) AddImage(ctx context.Context, p identity.Principal, id string, data []byte) (Record[Artwork], error) {
	const op = "property.AddImage"
	ct, err := SniffImage(data)
	if err != nil {
		return Record[Artwork]{}, err
	}
	t := s.Artworks
	rec, err := t.Get(ctx, p, id)
	if err != nil {
		return Record[Artwork]{}, err
	}
	sum := sha256.Sum256(data)
	im := Image{SHA256: hex.EncodeToString(sum[:]), ContentType: ct, Size: int64(len(data))}
	if slices.ContainsFunc(rec.Data.Images, func(x Image) bool { return x.SHA256 == im.SHA256 }) {
		return rec, nil
	}
	if len(rec.Data.Images) >= MaxImages {
		return Record[Artwork]{}, errs.Invalidf(op, "images", "an artwork holds at most %d images", MaxImages)
	}
	// Ask the policy before storing anything.
	if !record.Visible(p, policy.ActionUpdate, rec.Meta.Resource(KindArtwork)) {
		_, err := t.Update(ctx, p, id, rec) // audited refusal
		if err == nil {
			err = errs.E(op, errs.Permission, "only the owner may change this artwork")
		}
		return Record[Artwork]{}, err
	}
	if err := s.store.PutImage(ctx, im, data); err != nil {
		return Record[Artwork]{}, errs.E(op, err)
	}
	rec.Data.Images = append(rec.Data.Images, im)
	return t.Update(ctx, p, id, rec)
}

// ImageData returns an image of an artwork that p may read (audited as
// artwork.read) and its bytes. An image that the artwork does not hold is
// not found.
func (s *Service) ImageData(ctx context.Context, p identity.Principal, id, sha string) (Image, []byte, error) {
	const op = "property.ImageData"
	rec, err := s.Artworks.Get(ctx, p, id)
	if err != nil {
		return Image{}, nil, err
	}
	if !slices.ContainsFunc(rec.Data.Images, func(x Image) bool { return x.SHA256 == sha }) {
		return Image{}, nil, errs.E(op, errs.NotFound, "no such image")
	}
	im, data, err := s.store.Image(ctx, sha)
	if err != nil {
		return Image{}, nil, errs.E(op, err)
	}
	return im, data, nil
}

// GetImport returns an import job (an import whose process stopped is
// interrupted, see HeartbeatEvery) to its actor, or to a user of its owner
// country with the right to create that kind; others get not found.
func (s *Service) GetImport(ctx context.Context, p identity.Principal, id string) (Import, error) {
	const op = "property.GetImport"
	im, err := s.store.Import(ctx, id)
	if err != nil {
		return Import{}, errs.E(op, err)
	}
	if im.Actor != p.User.ID && !record.Visible(p, policy.ActionCreate, policy.Resource{Kind: im.Kind, Owner: im.Owner}) {
		return Import{}, errs.E(op, errs.NotFound, "no such import")
	}
	return s.present(im), nil
}

// Imports lists the import jobs of p's country (newest first).
func (s *Service) Imports(ctx context.Context, p identity.Principal) ([]Import, error) {
	const op = "property.Imports"
	if p.User.Country == "" {
		return nil, nil
	}
	ims, err := s.store.Imports(ctx, p.User.Country, 100)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := ims[:0]
	for _, im := range ims {
		if im.Actor == p.User.ID || record.Visible(p, policy.ActionCreate, policy.Resource{Kind: im.Kind, Owner: im.Owner}) {
			out = append(out, s.present(im))
		}
	}
	return out, nil
}
