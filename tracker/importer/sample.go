package importer

import (
	"bytes"
	"encoding/csv"
)

// sampleValues are one made-up row of each kind of file, by field. A field
// without a value gets an empty cell; the header row always comes from the
// field list, so a sample never names a column the importer does not know.
var sampleValues = map[Kind]map[Field]string{
	KindRecommendations: {
		FieldSource:          "Duty of Care: Improving Support for Victims of Crime",
		FieldSourceReference: "PCC-2013-01",
		FieldSourceDate:      "23/01/2013",
		FieldIssuedBy:        "London Assembly Police and Crime Committee",
		FieldNumber:          "4",
		FieldTitle:           "A hotline for Victim Support",
		FieldText:            "The MPS should set up a hotline for Victim Support enquiries by April 2013.",
		FieldAddressee:       "Metropolitan Police Service",
		FieldDeadline:        "by April 2013",
		FieldStatus:          "In progress",
		FieldStatusDate:      "01/11/2026",
		FieldResponse:        "We accept this recommendation; the hotline opens in March.",
		FieldPosition:        "Accepted",
		FieldResponseDate:    "28/03/2013",
		FieldThemes:          "Victim care; Communication",
		FieldMade:            "23/01/2013",
		FieldOwner:           "Victim Care Lead",
		FieldUpdate:          "Hotline pilot running in two boroughs",
		FieldUpdateDate:      "01/11/2026",
		FieldUpdateAuthor:    "Victim Care Lead",
		FieldHistory:         "Hotline number agreed with Victim Support",
	},
	KindActions: {
		FieldReference:      "VC-01",
		FieldOrganisation:   "City of London Police",
		FieldDescription:    "Brief every team on the Victims’ Code",
		FieldOwner:          "Detective Superintendent Crime",
		FieldOwnerUnit:      "Crime Standards",
		FieldDue:            "31/03/2027",
		FieldStatus:         "In progress",
		FieldRAG:            "Amber",
		FieldCompletedOn:    "",
		FieldUpdate:         "Briefings booked for all teams – £0 cost",
		FieldUpdateDate:     "01/11/2026",
		FieldUpdateAuthor:   "Victim Care Lead",
		FieldSource:         "",
		FieldRecommendation: "",
		FieldHistory:        "Team briefings planned with the Victim Care Lead",
	},
}

// SampleHeader is the header a sample gives a field's column: its label,
// or for history columns, whose header carries their date, one such.
func SampleHeader(f FieldInfo) string {
	if f.Field == FieldHistory {
		return "Update October 2026"
	}
	return f.Label
}

// Sample is a CSV file of kind k to fill in: a header row naming every
// field as the mapping screen does, then one example row. Its columns are
// the importer's own, so it imports as it is.
func Sample(k Kind) []byte {
	fields := Fields(k)
	header := make([]string, len(fields))
	row := make([]string, len(fields))
	for i, f := range fields {
		header[i] = SampleHeader(f)
		row[i] = sampleValues[k][f.Field]
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // so that Excel reads it as UTF-8
	w := csv.NewWriter(&buf)
	_ = w.WriteAll([][]string{header, row}) // writing to memory cannot fail
	return buf.Bytes()
}
