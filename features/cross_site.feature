@cross-site
Feature: Cross-site request shapes are refused (login CSRF)
  A page on another site can make a browser post a form, text/plain or
  multipart/form-data to any URL without a CORS preflight; a backend that
  read such a login would let the page log the victim's browser in as
  someone else. Only a JSON body (application/json) is read: every other
  shape is refused as invalid data, with all four constraint messages, and
  starts no session.

  @v1
  Scenario Outline: A login sent as <shape> is refused and starts no session
    When I log in with the admin's e-mail and password sent as <shape>
    Then the response status is 400
    And the response is an "invalid_data" error saying "email should not be empty, email must be an email, password should not be empty, password must be a string"
    And the response does not start a logged-in session

    Examples:
      | shape                       |
      | a form                      |
      | text/plain                  |
      | multipart/form-data         |
      | JSON without a content type |

  @v1
  Scenario Outline: A token request sent as <shape> is refused and gives no token
    When I request an access token with the admin's e-mail and password sent as <shape>
    Then the response status is 400
    And the response is an "invalid_data" error saying "email should not be empty, email must be an email, password should not be empty, password must be a string"
    And the response does not contain an access token

    Examples:
      | shape                       |
      | a form                      |
      | text/plain                  |
      | multipart/form-data         |
      | JSON without a content type |

  @v2
  Scenario Outline: A v2 token request sent as <shape> is not read and gives no token
    When I request an access token with the admin's e-mail and password sent as <shape>
    Then the response status is 401
    And the response is an "unauthorized" error saying "Password should be a string"
    And the response does not contain an access token

    Examples:
      | shape                       |
      | text/plain                  |
      | multipart/form-data         |
      | JSON without a content type |

  @v2
  Scenario: A v2 token request sent as a form gives a token but starts no session
    When I request an access token with the admin's e-mail and password sent as a form
    Then the response status is 200
    And the response does not start a logged-in session
