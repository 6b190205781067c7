package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/quirehq/quire/rag"
)

func (s *Server) listConversations(c echo.Context) error {
	list, err := s.svc.Conversations(c.Request().Context(), "")
	if err != nil {
		return err
	}
	if list == nil {
		list = []rag.Conversation{}
	}
	return c.JSON(http.StatusOK, map[string]any{"conversations": list})
}

func (s *Server) getConversation(c echo.Context) error {
	cv, err := s.svc.Conversation(c.Request().Context(), c.Param("id"))
	if err != nil {
		return notFound(err, "conversation", c.Param("id"))
	}
	if cv.Turns == nil {
		cv.Turns = []rag.ConversationTurn{}
	}
	return c.JSON(http.StatusOK, cv)
}

func (s *Server) deleteConversation(c echo.Context) error {
	if err := s.svc.DeleteConversation(c.Request().Context(), c.Param("id")); err != nil {
		return notFound(err, "conversation", c.Param("id"))
	}
	return c.NoContent(http.StatusNoContent)
}
