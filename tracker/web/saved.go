package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// savedCookie carries, for one page view, which save to confirm. It holds
// a key of savedMessages, never the text itself, so nothing a person types
// comes back through it.
const savedCookie = "tracker_saved"

// What a save can confirm; the page after the redirect says it.
const (
	savedUpdate         = "update"
	savedDue            = "due"
	savedDeadline       = "deadline"
	savedAction         = "action"
	savedActionAdded    = "action-added"
	savedActionDeleted  = "action-deleted"
	savedActionRestored = "action-restored"
	savedResponse       = "response"
	savedStatus         = "status"
	savedRecommendation = "recommendation"
	savedRecAdded       = "recommendation-added"
	savedSource         = "source"
	savedSourceAdded    = "source-added"
	savedReference      = "reference"
	savedReferenceAdded = "reference-added"
	savedReply          = "reply"
	savedMeasure        = "measure"
	savedMeasureAdded   = "measure-added"
	savedMeasureValue   = "measure-value"
	savedValueRemoved   = "measure-value-removed"
	savedOrganisation   = "organisation"
	savedOrgAdded       = "organisation-added"
	savedPassword       = "password"
	savedTokenRevoked   = "token-revoked"
	savedMeeting        = "meeting"
	savedMeetingAdded   = "meeting-added"
	savedDecision       = "decision"
	savedRefClosed      = "reference-closed"
	savedUpdateRequests = "update-requests"
	savedReminders      = "update-reminders"
	savedMailPrefs      = "mail-prefs"
	savedFollow         = "follow"
	savedUnfollow       = "unfollow"
)

// savedMessages are the confirmations, one per kind of save.
var savedMessages = map[string]string{
	savedUpdate:         "Your progress update has been posted.",
	savedDue:            "The due date has been moved.",
	savedDeadline:       "The deadline has been moved.",
	savedAction:         "Your changes to the action have been saved.",
	savedActionAdded:    "The action has been added.",
	savedActionDeleted:  "The action has been deleted. An administrator can restore it from Deleted items.",
	savedActionRestored: "The action has been restored.",
	savedResponse:       "The management response has been saved.",
	savedStatus:         "The status has been changed.",
	savedRecommendation: "Your changes to the recommendation have been saved.",
	savedRecAdded:       "The recommendation has been added.",
	savedSource:         "Your changes to the source have been saved.",
	savedSourceAdded:    "The source has been added.",
	savedReference:      "Your changes to the reference have been saved.",
	savedReferenceAdded: "The reference has been added.",
	savedReply:          "Your choices for the reply are saved.",
	savedMeasure:        "Your changes to the measure have been saved.",
	savedMeasureAdded:   "The measure has been added.",
	savedMeasureValue:   "The value has been recorded.",
	savedValueRemoved:   "The value has been removed.",
	savedOrganisation:   "Your changes to the organisation have been saved.",
	savedOrgAdded:       "The organisation has been added.",
	savedPassword:       "Your password has been changed. Your other sessions have been signed out.",
	savedTokenRevoked:   "The token has been revoked.",
	savedMeeting:        "Your changes to the meeting have been saved.",
	savedMeetingAdded:   "The meeting has been added.",
	savedDecision:       "The decision has been recorded.",
	savedRefClosed:      "The reference has been closed.",
	savedUpdateRequests: "The update requests have been sent: one email to each owner who can be reached.",
	savedReminders:      "The reminders have been sent to the owners who have not updated.",
	savedMailPrefs:      "Your email preferences have been saved.",
	savedFollow:         "You now follow this recommendation. You will get an email when its status, assessment or deadline changes.",
	savedUnfollow:       "You no longer follow this recommendation.",
}

// saved ends every successful save on a page: it sends the browser on to
// the page that shows what was saved, and that page confirms it once, in
// the layout's status message.
func (s *Server) saved(c *gin.Context, location, what string) {
	s.setCookie(c, savedCookie, what, 60)
	c.Redirect(http.StatusSeeOther, location)
}

// savedMessage is the confirmation the request carries, if any, and
// forgets it so that a reload does not say it again.
func (s *Server) savedMessage(c *gin.Context) string {
	what, err := c.Cookie(savedCookie)
	if err != nil || what == "" {
		return ""
	}
	s.setCookie(c, savedCookie, "", -1)
	return savedMessages[what]
}
