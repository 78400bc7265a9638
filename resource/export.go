package resource

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/accord-gov/accord"
)

// Exports of catalogue records in the field's standard formats:
//   - CycloneDX 1.6 (ML-BOM): a model as a machine-learning-model
//     component with its model card, a data set as a data component;
//   - SPDX 3.0.1 JSON-LD: a model as an ai_AIPackage (AI profile), a data
//     set as a dataset_DatasetPackage (Dataset profile), a tool as a
//     software_Package, each with its licence as a simplelicensing
//     LicenseExpression related by hasDeclaredLicense;
//   - DCAT-AP 3.0.1 JSON-LD: the whole public catalogue (models and data
//     sets as dcat:Dataset), streamed.
// base is the node's public URL: the exports' IRIs are under it.

// Exportable reports whether a resource of this kind has a per-item
// export (CycloneDX, SPDX): models, data sets and tools.
func Exportable(kind string) bool { return kind == "model" || kind == "dataset" || kind == "tool" }

func notExportable(r *accord.Resource) error {
	return accord.Errorf(accord.EConflict, "resource %s is a %s: only models, data sets and tools have an SPDX or CycloneDX export", r.ID, r.Kind)
}

func resourceIRI(base, id string) string {
	return strings.TrimSuffix(base, "/") + "/v1/resources/" + url.PathEscape(id)
}

// uuidOf derives a stable RFC 4122 version 5-style UUID from a name, so a
// version's BOM has one serial number.
func uuidOf(name string) string {
	h := sha256.Sum256([]byte(name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func link(r *accord.Resource, rels ...string) string {
	for _, rel := range rels {
		for _, l := range r.Links {
			if l.Rel == rel {
				return l.URL
			}
		}
	}
	return ""
}

// cdxRefTypes maps link relations to CycloneDX external reference types.
var cdxRefTypes = map[string]string{"homepage": "website", "download": "distribution", "repository": "vcs", "card": "model-card",
	"croissant": "documentation", "paper": "documentation", "documentation": "documentation", "apply": "other"}

// CycloneDX returns a CycloneDX 1.6 BOM (JSON) of a model, data set or tool.
func CycloneDX(r *accord.Resource, base, software string) ([]byte, error) {
	if !Exportable(r.Kind) {
		return nil, notExportable(r)
	}
	comp := map[string]any{
		"bom-ref": r.ID, "name": r.Title.In("en"), "version": fmt.Sprint(r.Version),
		"licenses": []any{map[string]any{"expression": r.Licence}},
		"supplier": map[string]any{"name": r.Provider},
	}
	if d := r.Description.In("en"); d != "" {
		comp["description"] = d
	}
	var refs []any
	for _, l := range r.Links {
		refs = append(refs, map[string]any{"type": cdxRefTypes[l.Rel], "url": l.URL})
	}
	refs = append(refs, map[string]any{"type": "other", "url": resourceIRI(base, r.ID), "comment": "The Accord catalogue record"})
	comp["externalReferences"] = refs
	props := []any{map[string]any{"name": "accord:access-mode", "value": r.Terms.Mode}, map[string]any{"name": "accord:fee", "value": r.Terms.Fee.Standard}}
	for _, w := range r.Terms.Fee.Waivers {
		who := w.Group
		if who == "" {
			who = strings.Join(w.Countries, " ")
		}
		props = append(props, map[string]any{"name": "accord:fee-waiver", "value": fmt.Sprintf("%d%% %s", w.Percent, who)})
	}
	for _, l := range r.Languages {
		props = append(props, map[string]any{"name": "accord:language", "value": l})
	}
	comp["properties"] = props
	switch r.Kind {
	case "model":
		comp["type"] = "machine-learning-model"
		card := map[string]any{"bom-ref": r.ID + "#model-card"}
		if m := r.Model; m != nil {
			params := map[string]any{}
			if len(m.Modalities) > 0 {
				var in []any
				for _, x := range m.Modalities {
					in = append(in, map[string]any{"format": x})
				}
				params["inputs"] = in
			}
			if m.BaseModel != "" {
				params["architectureFamily"] = m.BaseModel
			}
			if len(params) > 0 {
				card["modelParameters"] = params
			}
			var cp []any
			if m.Parameters > 0 {
				cp = append(cp, map[string]any{"name": "accord:parameters", "value": fmt.Sprint(m.Parameters)})
			}
			if o := m.OSAID; o != nil {
				cp = append(cp, map[string]any{"name": "accord:osaid", "value": fmt.Sprintf("%s data_information=%t code=%t parameters=%t", o.Status, o.DataInformation, o.Code, o.Parameters)})
			}
			if m.MOF != nil {
				cp = append(cp, map[string]any{"name": "accord:mof-class", "value": fmt.Sprint(m.MOF.Class)})
			}
			if len(cp) > 0 {
				card["properties"] = cp
			}
		}
		comp["modelCard"] = card
	case "dataset":
		comp["type"] = "data"
		data := map[string]any{"type": "dataset", "name": r.Title.In("en")}
		if u := link(r, "download", "homepage", "croissant"); u != "" {
			data["contents"] = map[string]any{"url": u}
		}
		if d := r.Dataset; d != nil && d.PersonalData != "" {
			data["classification"] = "personal data: " + d.PersonalData
			if d.PersonalData == "personal" || d.PersonalData == "sensitive" {
				data["sensitiveData"] = []string{d.PersonalData}
			}
		}
		comp["data"] = []any{data}
	case "tool":
		comp["type"] = "application"
	}
	bom := map[string]any{
		"$schema":   "http://cyclonedx.org/schema/bom-1.6.schema.json",
		"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
		"serialNumber": "urn:uuid:" + uuidOf(resourceIRI(base, r.ID)+"@"+fmt.Sprint(r.Version)),
		"metadata": map[string]any{
			"timestamp": r.Updated.UTC().Format(time.RFC3339),
			"tools":     map[string]any{"components": []any{map[string]any{"type": "application", "name": "accord", "version": software}}},
			"supplier":  map[string]any{"name": r.Provider},
		},
		"components": []any{comp},
	}
	return json.MarshalIndent(bom, "", "  ")
}

// SPDXContext is the SPDX 3.0.1 JSON-LD context the export names.
const SPDXContext = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"

// spdxDatasetTypes maps modalities to SPDX 3 dataset types.
var spdxDatasetTypes = map[string]string{"text": "text", "code": "text", "image": "image", "audio": "audio", "video": "video", "structured_data": "structured"}

// SPDX returns an SPDX 3.0.1 JSON-LD document of a model (AI profile), a
// data set (Dataset profile) or a tool (Software profile).
func SPDX(r *accord.Resource, base, software string) ([]byte, error) {
	if !Exportable(r.Kind) {
		return nil, notExportable(r)
	}
	id := resourceIRI(base, r.ID) + "/spdx/v" + fmt.Sprint(r.Version)
	ci := "_:creationinfo"
	agent := strings.TrimSuffix(base, "/") + "/v1/organizations/" + url.PathEscape(r.Provider)
	tool := id + "#tool"
	pkg := id + "#package"
	lic := id + "#licence"
	created := r.Updated.UTC().Format("2006-01-02T15:04:05Z")
	download := link(r, "download", "repository", "homepage")
	if download == "" {
		download = resourceIRI(base, r.ID)
	}
	p := map[string]any{
		"spdxId": pkg, "creationInfo": ci, "name": r.Title.In("en"),
		"software_packageVersion": fmt.Sprint(r.Version), "software_downloadLocation": download,
		"suppliedBy": agent, "releaseTime": r.Created.UTC().Format("2006-01-02T15:04:05Z"),
		"externalRef": []any{map[string]any{"type": "ExternalRef", "externalRefType": "other", "locator": []string{resourceIRI(base, r.ID)}}},
	}
	if d := r.Description.In("en"); d != "" {
		p["description"] = d
	}
	profiles := []string{"core", "software", "simpleLicensing"}
	switch r.Kind {
	case "model":
		p["type"] = "ai_AIPackage"
		p["software_primaryPurpose"] = "model"
		profiles = append(profiles, "ai")
		if m := r.Model; m != nil {
			if len(m.Modalities) > 0 {
				p["ai_typeOfModel"] = m.Modalities
			}
			var info []string
			if m.Parameters > 0 {
				info = append(info, fmt.Sprintf("%d parameters", m.Parameters))
			}
			if m.BaseModel != "" {
				info = append(info, "fine-tuned from "+m.BaseModel)
			}
			if len(info) > 0 {
				p["ai_informationAboutApplication"] = strings.Join(info, "; ")
			}
		}
	case "dataset":
		p["type"] = "dataset_DatasetPackage"
		p["software_primaryPurpose"] = "data"
		profiles = append(profiles, "dataset")
		types := []string{}
		if d := r.Dataset; d != nil {
			for _, m := range d.Modalities {
				if t := spdxDatasetTypes[m]; t != "" && !contains(types, t) {
					types = append(types, t)
				}
			}
			if d.Bytes > 0 {
				p["dataset_datasetSize"] = d.Bytes
			}
			switch d.PersonalData {
			case "none", "anonymised":
				p["dataset_hasSensitivePersonalInformation"] = "no"
			case "personal", "sensitive", "pseudonymised":
				p["dataset_hasSensitivePersonalInformation"] = "yes"
			}
			if c := d.Croissant; c != nil {
				if v := c.RAI["dataCollection"]; v != "" {
					p["dataset_dataCollectionProcess"] = v
				}
				if v := c.RAI["dataBiases"]; v != "" {
					p["dataset_knownBias"] = []string{v}
				}
			}
		}
		if len(types) == 0 {
			types = []string{"other"}
		}
		p["dataset_datasetType"] = types
	case "tool":
		p["type"] = "software_Package"
		p["software_primaryPurpose"] = "application"
	}
	graph := []any{
		map[string]any{"type": "CreationInfo", "@id": ci, "specVersion": "3.0.1", "created": created, "createdBy": []string{agent}, "createdUsing": []string{tool}},
		map[string]any{"type": "Organization", "spdxId": agent, "creationInfo": ci, "name": r.Provider},
		map[string]any{"type": "Tool", "spdxId": tool, "creationInfo": ci, "name": "accord " + software},
		map[string]any{"type": "SpdxDocument", "spdxId": id, "creationInfo": ci, "name": r.Title.In("en") + " (SPDX 3)",
			"profileConformance": profiles, "rootElement": []string{pkg}, "element": []string{agent, tool, pkg, lic, id + "#declared"}},
		p,
		map[string]any{"type": "simplelicensing_LicenseExpression", "spdxId": lic, "creationInfo": ci,
			"simplelicensing_licenseExpression": r.Licence, "simplelicensing_licenseListVersion": accord.SPDXListVersion()},
		map[string]any{"type": "Relationship", "spdxId": id + "#declared", "creationInfo": ci, "from": pkg, "to": []string{lic}, "relationshipType": "hasDeclaredLicense"},
	}
	return json.MarshalIndent(map[string]any{"@context": SPDXContext, "@graph": graph}, "", "  ")
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// dcatContext is the inline JSON-LD context of the DCAT-AP export (inline,
// so that a reader needs no network to read it).
var dcatContext = map[string]any{
	"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
	"dcatap": "http://data.europa.eu/r5r/", "xsd": "http://www.w3.org/2001/XMLSchema#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
	"vcard": "http://www.w3.org/2006/vcard/ns#", "skos": "http://www.w3.org/2004/02/skos/core#",
}

// euAccessRights is the EU access-right authority table.
var euAccessRights = map[string]string{
	"open":       "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
	"gated":      "http://publications.europa.eu/resource/authority/access-right/RESTRICTED",
	"on_request": "http://publications.europa.eu/resource/authority/access-right/RESTRICTED",
}

// DCATKinds are the kinds the DCAT-AP catalogue holds (as dcat:Dataset).
func DCATKinds(kind string) bool { return kind == "model" || kind == "dataset" }

func langLiterals(t accord.Text) []any {
	var out []any
	for _, tag := range t.Tags() {
		out = append(out, map[string]any{"@value": t[tag], "@language": tag})
	}
	return out
}

// dcatDataset is one resource as a dcat:Dataset.
func dcatDataset(r accord.Resource, base string) map[string]any {
	iri := resourceIRI(base, r.ID)
	desc := r.Description
	if len(desc) == 0 {
		desc = r.Title
	}
	licence := map[string]any{"@type": "dct:LicenseDocument", "rdfs:label": r.Licence}
	if ids := accord.LicenceIDs(r.Licence); len(ids) == 1 && !strings.Contains(ids[0], "LicenseRef-") && ids[0] == r.Licence {
		licence["@id"] = "http://spdx.org/licenses/" + ids[0]
	} else {
		licence["@id"] = iri + "#licence"
	}
	access := link(&r, "download", "homepage", "repository", "card")
	if access == "" {
		access = iri
	}
	dist := map[string]any{"@id": iri + "#distribution", "@type": "dcat:Distribution",
		"dcat:accessURL": map[string]any{"@id": access}, "dct:license": licence}
	if u := link(&r, "download"); u != "" {
		dist["dcat:downloadURL"] = map[string]any{"@id": u}
	}
	d := map[string]any{
		"@id": iri, "@type": "dcat:Dataset",
		"dct:identifier":               r.ID,
		"dct:title":                    langLiterals(r.Title),
		"dct:description":              langLiterals(desc),
		"dct:publisher":                map[string]any{"@id": strings.TrimSuffix(base, "/") + "/v1/organizations/" + url.PathEscape(r.Provider), "@type": "foaf:Agent", "foaf:name": r.Provider},
		"dct:modified":                 map[string]any{"@value": r.Updated.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"},
		"dct:issued":                   map[string]any{"@value": r.Created.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"},
		"dct:accessRights":             map[string]any{"@id": euAccessRights[r.Terms.Mode], "@type": "dct:RightsStatement"},
		"dcat:distribution":            []any{dist},
		"dcatap:applicableLegislation": []any{map[string]any{"@id": "http://data.europa.eu/eli/reg/2024/1689/oj", "@type": "http://data.europa.eu/eli/ontology#LegalResource"}},
	}
	if len(r.Keywords) > 0 {
		var kw []any
		for _, k := range r.Keywords {
			kw = append(kw, map[string]any{"@value": k, "@language": "en"})
		}
		d["dcat:keyword"] = kw
	}
	if len(r.Languages) > 0 {
		var ls []any
		for _, l := range r.Languages {
			ls = append(ls, map[string]any{"@id": "urn:ietf:bcp47:" + l, "@type": "dct:LinguisticSystem"})
		}
		d["dct:language"] = ls
	}
	if len(r.Countries) > 0 {
		var sp []any
		for _, c := range r.Countries {
			sp = append(sp, map[string]any{"@id": "urn:iso:std:iso:3166:-1:" + c, "@type": "dct:Location"})
		}
		d["dct:spatial"] = sp
	}
	if r.Kind == "model" {
		d["dct:type"] = map[string]any{"@id": "https://accord.dev/vocab/resource-kind/model", "@type": "skos:Concept",
			"skos:prefLabel": map[string]any{"@value": "AI model (trained parameters)", "@language": "en"}}
	}
	return d
}

// DCAT streams the node's public catalogue (active models and data sets of
// this node) as one DCAT-AP 3.0.1 JSON-LD document, a dataset at a time,
// from one read snapshot: memory stays bounded whatever its size. It
// returns the number of datasets written.
func (s *Service) DCAT(ctx context.Context, w io.Writer, base string, title accord.Text, publisher string) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	catalog := strings.TrimSuffix(base, "/") + "/v1/catalogue"
	head := map[string]any{
		"@context": dcatContext, "@id": catalog, "@type": "dcat:Catalog",
		"dct:title": langLiterals(title), "dct:description": langLiterals(accord.Text{"en": "The shared-resources catalogue of an Accord node: open models and data sets with their licences and access terms."}),
		"dct:publisher": map[string]any{"@id": strings.TrimSuffix(base, "/") + "/v1/node", "@type": "foaf:Agent", "foaf:name": publisher},
	}
	hb, err := json.Marshal(head)
	if err != nil {
		return 0, err
	}
	bw.Write(hb[:len(hb)-1])
	bw.WriteString(`,"dcat:dataset":[`)
	n := 0
	err = s.store.View(ctx, func(tx accord.ReadTx) error {
		return tx.EachResource(ctx, func(r accord.Resource) error {
			if !DCATKinds(r.Kind) {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			b, err := json.Marshal(dcatDataset(r, base))
			if err != nil {
				return err
			}
			if n > 0 {
				bw.WriteByte(',')
			}
			n++
			_, err = bw.Write(b)
			return err
		})
	})
	if err != nil {
		return n, err
	}
	bw.WriteString("]}\n")
	return n, bw.Flush()
}
