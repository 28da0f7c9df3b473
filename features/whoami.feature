@whoami
Feature: Who am I (v1: GET /admin/auth; v2: GET /admin/users/me)
  A logged-in admin asks who they are, with the session cookie, an API token
  (v1: x-medusa-access-token) or a bearer access token. Each identifies the
  same user. Anything else is refused with 401 and reveals nothing. Medusa
  v2 cannot tell who a secret API key is (whoami with one is 404), so its
  API key rows are elsewhere.

  Background:
    Given I am logged in as the admin

  Scenario: The session cookie identifies the logged-in user
    When I ask who I am with the session cookie
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user is the user who logged in

  Scenario: A bearer access token identifies the same user
    Given I have an access token for the admin
    When I ask who I am with the access token as a bearer
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user is the user who logged in

  @api-token @v1
  Scenario: The API token identifies the same user
    When I ask who I am with the API token
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user is the user who logged in

  Scenario Outline: A request without valid credentials is refused (<credentials>)
    When I ask who I am with <credentials>
    Then the response status is 401
    And the response does not reveal the user

    Examples:
      | credentials                                   |
      | no credentials                                |
      | a garbage session cookie                      |
      | a tampered session cookie                     |
      | a garbage bearer token                        |
      | a bearer token signed with another secret     |
      | a wrong API token                             |

  @api-token
  Scenario: The API token is not accepted as a bearer token
    When I ask who I am with the API token as a bearer
    Then the response status is 401
    And the response does not reveal the user

  @api-token @v2
  Scenario: Whoami cannot name the owner of a secret API key
    When I ask who I am with the API token
    Then the response status is 404
    And the response is a "not_found" error
    And the response does not reveal the user
